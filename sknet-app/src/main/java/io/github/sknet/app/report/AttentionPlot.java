package io.github.sknet.app.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import io.github.sknet.models.io.AtomicFiles;

/** The attention-vs-scale plot: one line per object scale across the SK units, as in the paper's Fig. 3. */
public final class AttentionPlot {
    private AttentionPlot() {
    }

    /**
     * @param units  SK unit names, in network order
     * @param scales the object scales
     * @param values per unit, per scale: mean attention on the larger kernel minus the smaller
     */
    public static void write(Path png, List<String> units, double[] scales, List<double[]> values, String title)
            throws IOException {
        if (units.isEmpty() || units.size() != values.size()) {
            throw new IllegalArgumentException("AttentionPlot: need one row of values per SK unit, got " + units.size()
                    + " units and " + values.size() + " rows");
        }
        if (scales.length == 0) {
            throw new IllegalArgumentException("AttentionPlot: no scales");
        }
        for (int u = 0; u < values.size(); u++) {
            double[] row = values.get(u);
            if (row.length != scales.length) {
                throw new IllegalArgumentException("AttentionPlot: unit " + units.get(u) + " has " + row.length
                        + " values for " + scales.length + " scales");
            }
        }
        XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle("SK unit")
                .yAxisTitle("attention: larger kernel - smaller").build();
        double[] x = new double[units.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        for (int s = 0; s < scales.length; s++) {
            double[] y = new double[units.size()];
            for (int u = 0; u < y.length; u++) {
                y[u] = values.get(u)[s];
            }
            chart.addSeries(String.format(Locale.ROOT, "scale %.2f", scales[s]), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        chart.setCustomXAxisTickLabelsFormatter(v -> {
            int i = (int) Math.round(v) - 1;
            return i >= 0 && i < units.size() && Math.abs(v - Math.round(v)) < 1e-9 ? units.get(i) : "";
        });
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, out -> out.write(bytes));
    }
}
