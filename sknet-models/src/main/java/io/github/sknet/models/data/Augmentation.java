package io.github.sknet.models.data;

import java.util.SplittableRandom;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Training augmentation: torchvision's RandomResizedCrop (a region of {@code minScale..maxScale} of the
 * image's area with aspect ratio 3/4..4/3, resized to the input size) and a horizontal flip with
 * probability {@code flip}. Each image's random numbers come from its own generator, so the result does
 * not depend on which thread decodes it.
 */
public record Augmentation(double minScale, double maxScale, double flip) {
    private static final double LOG_RATIO_MIN = Math.log(3.0 / 4), LOG_RATIO_MAX = Math.log(4.0 / 3);

    /** No augmentation: the evaluation preparation. */
    public static final Augmentation NONE = new Augmentation(1, 1, 0);

    public Augmentation {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("augmentation: crop scale must satisfy 0 < min <= max <= 1, got " + minScale
                    + ".." + maxScale);
        }
        if (!(flip >= 0 && flip <= 1)) {
            throw new IllegalArgumentException("augmentation: flip probability must be in [0, 1], got " + flip);
        }
    }

    public boolean isNone() {
        return this.equals(NONE);
    }

    /** The augmented training view of {@code bgr}, size x size. */
    public Mat apply(Mat bgr, ImagePreprocessing p, SplittableRandom rng) {
        if (isNone()) {
            return p.evalView(bgr);
        }
        int W = bgr.cols(), H = bgr.rows();
        double area = (double) W * H;
        Mat out = null;
        for (int attempt = 0; attempt < 10 && out == null; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rng.nextDouble());
            double ratio = Math.exp(LOG_RATIO_MIN + (LOG_RATIO_MAX - LOG_RATIO_MIN) * rng.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * ratio)), h = (int) Math.round(Math.sqrt(target / ratio));
            if (w >= 1 && h >= 1 && w <= W && h <= H) {
                int x = rng.nextInt(W - w + 1), y = rng.nextInt(H - h + 1);
                out = p.cropResize(bgr, x, y, w, h);
            }
        }
        if (out == null) { // torchvision's fallback: the centre crop of the whole image
            int s = Math.min(W, H);
            out = p.cropResize(bgr, (W - s) / 2, (H - s) / 2, s, s);
        }
        if (rng.nextDouble() < flip) {
            Mat f = new Mat();
            org.bytedeco.opencv.global.opencv_core.flip(out, f, 1);
            out = f;
        }
        return out;
    }
}
