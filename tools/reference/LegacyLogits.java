import java.nio.file.*;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import io.github.sknet.models.io.SKNetModelFile;

public class LegacyLogits {
    public static void main(String[] a) throws Exception {
        ComputationGraph g = SKNetModelFile.load(Path.of(a[0]), false);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
        INDArray y = g.feedForward(x, false).get("classifier"); // the logits vertex in every release (SKNetBuilder.LOGITS then, SKNet.LOGITS now)
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < y.size(0); i++) {
            for (int j = 0; j < y.size(1); j++) sb.append(j == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.8e", y.getDouble(i, j)));
            sb.append("\n");
        }
        Files.writeString(Path.of(a[1]), sb.toString());
        System.out.print(sb);
        System.out.println(g.getVertex("stage_1.0.conv2_sk").getClass());
    }
}
