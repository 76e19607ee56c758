package io.github.sknet.models.data;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * How an image file becomes the network's input, recorded in the model so that training, evaluation
 * and prediction prepare images alike: the shorter side resized to {@code size / cropPct} (bicubic),
 * the centre {@code size x size} cropped, RGB values scaled to [0, 1], then {@code (v - mean) / std}
 * per channel; NCHW float32. Models trained by {@code sknet train} use cropPct 1 (the whole image),
 * mean 0 and std 1; timm's ImageNet models 0.875 and ImageNet's mean and std.
 *
 * @param size    side of the network's input in pixels
 * @param cropPct fraction of the resized image that the centre crop keeps, in (0, 1]
 * @param mean    per-channel mean (R, G, B) subtracted after scaling to [0, 1]
 * @param std     per-channel standard deviation divided by
 */
public record ImagePreprocessing(int size, double cropPct, double[] mean, double[] std) {
    public static final double[] ZERO = {0, 0, 0};
    public static final double[] ONE = {1, 1, 1};
    public static final double[] IMAGENET_MEAN = {0.485, 0.456, 0.406};
    public static final double[] IMAGENET_STD = {0.229, 0.224, 0.225};

    public ImagePreprocessing {
        if (size < 1) {
            throw new IllegalArgumentException("preprocessing: size must be >= 1, got " + size);
        }
        if (!(cropPct > 0 && cropPct <= 1)) {
            throw new IllegalArgumentException("preprocessing: crop fraction must be in (0, 1], got " + cropPct);
        }
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length != 3 || std.length != 3 || Arrays.stream(std).anyMatch(s -> !(s > 0))) {
            throw new IllegalArgumentException("preprocessing: mean and std take 3 values (R, G, B), std > 0; got "
                    + Arrays.toString(mean) + ", " + Arrays.toString(std));
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** The whole image resized to size x size, values in [0, 1]: what {@code sknet train} records. */
    public static ImagePreprocessing plain(int size) {
        return new ImagePreprocessing(size, 1.0, ZERO, ONE);
    }

    /** The same preparation at another input size. */
    public ImagePreprocessing withSize(int newSize) {
        return new ImagePreprocessing(newSize, cropPct, mean, std);
    }

    /** Decodes an image file as 8-bit BGR (grey images become three equal channels). */
    public static Mat decode(Path file) {
        Mat m = imread(file.toString(), IMREAD_COLOR);
        if (m == null || m.empty()) {
            throw new IllegalArgumentException("cannot read image " + file + " (not an image OpenCV decodes, or corrupt)");
        }
        return m;
    }

    /** Evaluation: resize the shorter side to size / cropPct, centre crop size x size. */
    public Mat evalView(Mat bgr) {
        int shorter = Math.min(bgr.cols(), bgr.rows());
        int target = (int) Math.floor(size / cropPct);
        double f = (double) target / shorter;
        int w = Math.max(size, (int) Math.round(bgr.cols() * f)), h = Math.max(size, (int) Math.round(bgr.rows() * f));
        Mat resized = new Mat();
        resize(bgr, resized, new Size(w, h), 0, 0, f < 1 ? INTER_AREA : INTER_CUBIC);
        int x = (w - size) / 2, y = (h - size) / 2;
        return new Mat(resized, new Rect(x, y, size, size));
    }

    /** A region of {@code bgr} resized to size x size (the training crop). */
    public Mat cropResize(Mat bgr, int x, int y, int w, int h) {
        Mat out = new Mat();
        resize(new Mat(bgr, new Rect(x, y, w, h)), out, new Size(size, size), 0, 0,
                w > size ? INTER_AREA : INTER_LINEAR);
        return out;
    }

    /**
     * Writes a size x size 8-bit BGR image into {@code dst} at {@code offset} as RGB CHW floats,
     * {@code (v / 255 - mean) / std}.
     */
    public void toChw(Mat bgr, float[] dst, int offset) {
        if (bgr.rows() != size || bgr.cols() != size || bgr.channels() != 3) {
            throw new IllegalStateException("expected a " + size + "x" + size + " 3-channel image, got " + bgr.cols() + "x"
                    + bgr.rows() + "x" + bgr.channels());
        }
        Mat m = bgr.isContinuous() ? bgr : bgr.clone();
        byte[] px = new byte[size * size * 3];
        m.data().get(px);
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            int src = 2 - c; // BGR -> RGB
            double scale = 1 / (255.0 * std[c]), shift = mean[c] / std[c];
            int o = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                dst[o + i] = (float) ((px[3 * i + src] & 0xFF) * scale - shift);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessing p && p.size == size && p.cropPct == cropPct && Arrays.equals(p.mean, mean)
                && Arrays.equals(p.std, std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, cropPct, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "ImagePreprocessing(size=" + size + ", cropPct=" + cropPct + ", mean=" + Arrays.toString(mean) + ", std="
                + Arrays.toString(std) + ")";
    }
}
