package io.github.sknet.models.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Images as the models see them: RGB, values in [0, 1], NCHW. DataVec's loaders give OpenCV's BGR in
 * [0, 255]; the synthetic data and PyTorch pipelines are RGB, so every image path goes through here.
 */
public final class ImagePixels {
    private static final ImagePreProcessingScaler SCALER = new ImagePreProcessingScaler(0, 1);

    private ImagePixels() {
    }

    /** BGR [0, 255] -> RGB [0, 1]; returns a new array. */
    public static INDArray fromDataVec(INDArray bgr) {
        INDArray rgb = bgr.get(NDArrayIndex.all(), NDArrayIndex.indices(2, 1, 0), NDArrayIndex.all(),
                NDArrayIndex.all()).dup('c');
        SCALER.transform(rgb);
        return rgb;
    }
}
