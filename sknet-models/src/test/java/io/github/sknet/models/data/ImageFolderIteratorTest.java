package io.github.sknet.models.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class ImageFolderIteratorTest {
    @TempDir
    Path dir;

    private ImageFolder folder(int perClass) {
        TestImages.photoFolder(dir, 20, new int[] {perClass, perClass, perClass}, 3);
        return ImageFolder.all(dir);
    }

    /** Mean of each image's pixels, in iteration order: a fingerprint of order and augmentation. */
    private static List<Double> fingerprint(ImageFolderIterator it, int epoch) {
        it.startEpoch(epoch);
        List<Double> out = new ArrayList<>();
        while (it.hasNext()) {
            INDArray x = it.next().getFeatures();
            for (int i = 0; i < x.size(0); i++) {
                out.add(x.slice(i).meanNumber().doubleValue());
            }
        }
        return out;
    }

    @Test
    void everyImageOncePerEpochAndTheOrderDependsOnlyOnSeedAndEpoch() {
        ImageFolder f = folder(7);
        Augmentation aug = new Augmentation(0.35, 1, 0.5);
        ImageFolderIterator a = new ImageFolderIterator(f.train(), f.classes(), 5, ImagePreprocessing.plain(16), aug, true, 9);
        ImageFolderIterator b = new ImageFolderIterator(f.train(), f.classes(), 5, ImagePreprocessing.plain(16), aug, true, 9);
        List<Double> e1 = fingerprint(a, 1), e2 = fingerprint(a, 2);
        assertEquals(21, e1.size());
        assertNotEquals(e1, e2, "epochs 1 and 2 had the same order and augmentation");
        // a fresh iterator (a resumed run) gives epoch 2 exactly as the first one did
        assertEquals(e2, fingerprint(b, 2));
        // and through DL4J's background decoding too
        b.startEpoch(2);
        AsyncDataSetIterator async = new AsyncDataSetIterator(b, 4, false);
        List<Double> viaAsync = new ArrayList<>();
        int[] labelCounts = new int[3];
        while (async.hasNext()) {
            DataSet ds = async.next();
            for (int i = 0; i < ds.numExamples(); i++) {
                viaAsync.add(ds.getFeatures().slice(i).meanNumber().doubleValue());
                labelCounts[ds.getLabels().getRow(i).argMax().getInt(0)]++;
            }
        }
        async.shutdown();
        assertEquals(e2, viaAsync);
        assertEquals(List.of(7, 7, 7), List.of(labelCounts[0], labelCounts[1], labelCounts[2]));
    }

    @Test
    void evaluationViewIsRgbInZeroOneAndCentreCropped() throws Exception {
        // a red 40x20 image: RGB channel 0 is ~1, the others ~0; the centre square of the wide image is kept
        TestImages.write(dir.resolve("a").resolve("red.png"), 40, 20, new Color(250, 5, 5), 1);
        TestImages.write(dir.resolve("b").resolve("blue.jpg"), 20, 20, new Color(5, 5, 250), 1);
        ImageFolder f = ImageFolder.all(dir);
        ImageFolderIterator it = ImageFolderIterator.forEvaluation(f.train(), f.classes(), 2, ImagePreprocessing.plain(10));
        DataSet ds = it.next();
        assertEquals(List.of(2L, 3L, 10L, 10L), List.of(ds.getFeatures().size(0), ds.getFeatures().size(1),
                ds.getFeatures().size(2), ds.getFeatures().size(3)));
        INDArray red = ds.getFeatures().slice(0), blue = ds.getFeatures().slice(1);
        assertEquals(250 / 255.0, red.slice(0).meanNumber().doubleValue(), 0.03);
        assertEquals(5 / 255.0, red.slice(2).meanNumber().doubleValue(), 0.03);
        assertEquals(250 / 255.0, blue.slice(2).meanNumber().doubleValue(), 0.05);
        assertEquals(0, ds.getLabels().getDouble(0, 1));
        assertEquals(1, ds.getLabels().getDouble(1, 1));
        // normalisation with a mean and std
        ImagePreprocessing norm = new ImagePreprocessing(10, 1, ImagePreprocessing.IMAGENET_MEAN, ImagePreprocessing.IMAGENET_STD);
        INDArray n = ImageFolderIterator.forEvaluation(f.train(), f.classes(), 2, norm).next().getFeatures().slice(0);
        assertEquals((250 / 255.0 - 0.485) / 0.229, n.slice(0).meanNumber().doubleValue(), 0.15);
    }

    @Test
    void aCorruptImageIsNamedInTheError() throws Exception {
        ImageFolder f = folder(2);
        Path bad = f.train().get(1).file();
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2});
        ImageFolderIterator it = ImageFolderIterator.forEvaluation(f.train(), f.classes(), 4, ImagePreprocessing.plain(8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, it::next);
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }
}
