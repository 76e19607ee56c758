package io.github.sknet.spark;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows a Spark driver's log as it is written and keeps what the scheduler says of tasks: which training
 * tasks (stages of {@code treeAggregate} in DL4J's {@code ParameterAveragingTrainingMaster}, 0.2-0.4 s each)
 * run on which executor now, and whether a task was lost with its executor. A killed executor fails a task
 * only if it was running one; this is how a test knows when to kill.
 */
final class DriverTaskLog {
    private static final Pattern TRAINING_STAGE = Pattern.compile(
            "Submitting \\d+ missing tasks from ResultStage (\\d+) \\(.* at treeAggregate at ParameterAveragingTrainingMaster");
    private static final Pattern STARTED = Pattern.compile(
            "Starting task \\S+ in stage (\\d+)\\.\\d+ \\(TID (\\d+)\\) \\([^,]*, executor (\\S+),");
    private static final Pattern FINISHED = Pattern.compile("Finished task \\S+ in stage \\S+ \\(TID (\\d+)\\)");
    private static final Pattern LOST_EXECUTOR = Pattern.compile("Lost executor (\\S+) ");

    private final Path log;
    private long position;
    private final StringBuilder partial = new StringBuilder();
    private final Set<String> trainingStages = new HashSet<>();
    private final Map<String, String> runningTrainingTasks = new HashMap<>(); // TID -> executor id
    private final Set<String> lostExecutors = new HashSet<>();
    private boolean taskLostWithExecutor;
    private final String marker;
    private boolean markerSeen;

    /** {@code marker}: a text whose line {@link #markerSeen} tells has been written (e.g. the end of an epoch). */
    DriverTaskLog(Path log, String marker) {
        this.log = log;
        this.marker = marker;
    }

    /** Reads what the driver has written since the last call. */
    void update() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            if (f.length() <= position) {
                return;
            }
            byte[] b = new byte[(int) (f.length() - position)];
            f.seek(position);
            f.readFully(b);
            position += b.length;
            partial.append(new String(b, StandardCharsets.UTF_8));
        }
        int end;
        while ((end = partial.indexOf("\n")) >= 0) {
            line(partial.substring(0, end));
            partial.delete(0, end + 1);
        }
    }

    private void line(String l) {
        markerSeen |= l.contains(marker);
        Matcher m;
        if ((m = TRAINING_STAGE.matcher(l)).find()) {
            trainingStages.add(m.group(1));
        } else if ((m = STARTED.matcher(l)).find()) {
            if (trainingStages.contains(m.group(1))) {
                runningTrainingTasks.put(m.group(2), m.group(3));
            }
        } else if ((m = FINISHED.matcher(l)).find()) {
            runningTrainingTasks.remove(m.group(1));
        } else if ((m = LOST_EXECUTOR.matcher(l)).find()) {
            lostExecutors.add(m.group(1));
        } else if (l.contains("Lost task") && l.contains("ExecutorLostFailure")) {
            taskLostWithExecutor = true;
        }
    }

    boolean markerSeen() {
        return markerSeen;
    }

    /** Whether the driver has started a training task on {@code executor} that it has not seen finish. */
    boolean runsTrainingTask(String executor) {
        return runningTrainingTasks.containsValue(executor);
    }

    boolean lostExecutor(String executor) {
        return lostExecutors.contains(executor);
    }

    /** Whether a task failed because its executor was lost ({@code ExecutorLostFailure}). */
    boolean taskLostWithExecutor() {
        return taskLostWithExecutor;
    }
}
