package io.github.sknet.app.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import io.github.sknet.models.io.AtomicFiles;

/**
 * Training curves as a PNG: loss on the left axis, held-out accuracy (0 to 1) on the right, one point
 * per epoch. XChart renders into an in-memory image, so no display is needed (headless runs work).
 */
public final class TrainingPlot {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    private static final int LOSS_AXIS = 0;
    private static final int ACCURACY_AXIS = 1;
    private static final int LR_AXIS = 2;

    private TrainingPlot() {
    }

    /**
     * Writes the plot atomically: a crash leaves either the old file or none, never a truncated PNG.
     *
     * @param trainLoss       mean training loss of each epoch; NaN or infinite values show as gaps
     * @param heldOutAccuracy held-out accuracy after each epoch, same length as {@code trainLoss}
     */
    public static void write(Path png, List<Double> trainLoss, List<Double> heldOutAccuracy, String title)
            throws IOException {
        write(png, trainLoss, heldOutAccuracy, null, title);
    }

    /**
     * The same with each epoch's learning rate (of its last step) on a third axis; {@code learningRate}
     * may be null.
     */
    public static void write(Path png, List<Double> trainLoss, List<Double> heldOutAccuracy, List<Double> learningRate,
                             String title) throws IOException {
        Objects.requireNonNull(png, "png");
        Objects.requireNonNull(title, "title");
        double[] loss = values("trainLoss", trainLoss);
        double[] accuracy = values("heldOutAccuracy", heldOutAccuracy);
        if (loss.length != accuracy.length) {
            throw new IllegalArgumentException("trainLoss and heldOutAccuracy need one value per epoch each, got "
                    + loss.length + " and " + accuracy.length);
        }
        XYChart chart = chart(loss, accuracy, title);
        if (learningRate != null) {
            double[] lr = values("learningRate", learningRate);
            if (lr.length != loss.length) {
                throw new IllegalArgumentException("learningRate needs one value per epoch, got " + lr.length + " for "
                        + loss.length + " epochs");
            }
            chart.setYAxisGroupTitle(LR_AXIS, "learning rate");
            chart.getStyler().setYAxisGroupPosition(LR_AXIS, Styler.YAxisPosition.Left);
            chart.getStyler().setYAxisMin(LR_AXIS, 0.0);
            XYSeries lrSeries = chart.addSeries("learning rate", epochs(lr.length), lr);
            lrSeries.setMarker(SeriesMarkers.SQUARE);
            lrSeries.setYAxisGroup(LR_AXIS);
        }
        AtomicFiles.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    private static double[] epochs(int n) {
        double[] epochs = new double[n];
        for (int i = 0; i < n; i++) {
            epochs[i] = i + 1;
        }
        return epochs;
    }

    private static XYChart chart(double[] loss, double[] accuracy, String title) {
        double[] epochs = epochs(loss.length);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").build();
        chart.setYAxisGroupTitle(LOSS_AXIS, "training loss");
        chart.setYAxisGroupTitle(ACCURACY_AXIS, "held-out accuracy");
        XYStyler styler = chart.getStyler();
        styler.setYAxisGroupPosition(ACCURACY_AXIS, Styler.YAxisPosition.Right);
        styler.setYAxisMin(ACCURACY_AXIS, 0.0);
        styler.setYAxisMax(ACCURACY_AXIS, 1.0);
        styler.setXAxisDecimalPattern("0");
        // below the plot: inside it, the legend would hide the first high loss or the last high accuracy
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        // markers keep a one-epoch run visible: a single point draws no line
        XYSeries lossSeries = chart.addSeries("training loss", epochs, loss);
        lossSeries.setMarker(SeriesMarkers.CIRCLE);
        lossSeries.setYAxisGroup(LOSS_AXIS);
        XYSeries accuracySeries = chart.addSeries("held-out accuracy", epochs, accuracy);
        accuracySeries.setMarker(SeriesMarkers.DIAMOND);
        accuracySeries.setYAxisGroup(ACCURACY_AXIS);
        return chart;
    }

    private static double[] values(String name, List<Double> list) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException(name + " must hold at least one epoch, got "
                    + (list == null ? "null" : "an empty list"));
        }
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            Double d = list.get(i);
            if (d == null) {
                throw new IllegalArgumentException(name + "[" + i + "] is null");
            }
            // a diverged epoch is worth seeing: plot it as a gap (XChart refuses infinities outright)
            v[i] = Double.isInfinite(d) ? Double.NaN : d;
        }
        return v;
    }
}
