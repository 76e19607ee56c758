package io.github.sknet.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.github.sknet.models.SKNet;
import io.github.sknet.models.SKNetVariant;
import io.github.sknet.models.data.ImagePreprocessing;

/** The metadata stored beside the network: JSON round trip, through a model zip, and its bad forms. */
class SKNetModelFileTest {

    private static void assertSameMeta(SKNetModelFile.Meta expected, SKNetModelFile.Meta got) {
        assertEquals(expected.arch(), got.arch());
        assertEquals(expected.size(), got.size());
        assertEquals(expected.classes(), got.classes());
        assertEquals(expected.epochsDone(), got.epochsDone());
        if (expected.preprocessing() == null) {
            assertNull(got.preprocessing());
            return;
        }
        assertEquals(expected.preprocessing().size(), got.preprocessing().size());
        assertEquals(expected.preprocessing().cropPct(), got.preprocessing().cropPct(), 0);
        assertArrayEquals(expected.preprocessing().mean(), got.preprocessing().mean(), 0);
        assertArrayEquals(expected.preprocessing().std(), got.preprocessing().std(), 0);
    }

    @Test
    void metadataRoundTripsThroughJsonWithEveryField() {
        SKNetModelFile.Meta plain = new SKNetModelFile.Meta("sknet_small", 32, List.of("a", "b \"quoted\"", "ü"), 3);
        assertSameMeta(plain, SKNetModelFile.Meta.fromJson(plain.toJson()));
        SKNetModelFile.Meta timm = new SKNetModelFile.Meta("skresnet18", 224, List.of("x"), 0,
                new ImagePreprocessing(224, 0.875, new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225}));
        assertSameMeta(timm, SKNetModelFile.Meta.fromJson(timm.toJson()));
        SKNetModelFile.Meta unknown = new SKNetModelFile.Meta("unknown", -1, List.of(), 0);
        assertSameMeta(unknown, SKNetModelFile.Meta.fromJson(unknown.toJson()));
    }

    @Test
    void metadataTravelsInTheModelZip(@TempDir Path dir) throws Exception {
        ComputationGraph g = SKNet.builder(SKNetVariant.SKNET_SMALL).numClasses(2).inputShape(3, 16, 16).build().init();
        SKNetModelFile.Meta meta = new SKNetModelFile.Meta("sknet_small", 16, List.of("cat", "dog"), 7);
        Path f = dir.resolve("m.zip");
        SKNetModelFile.save(g, meta, f, false);
        ComputationGraph back = SKNetModelFile.load(f, false);
        assertSameMeta(meta, SKNetModelFile.meta(f, back));
        assertEquals(g.params(), back.params());
    }

    @Test
    void badMetadataNamesWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SKNetModelFile.Meta.fromJson("{\"arch\": \"x\", \"size\": 3, \"classes\": []}"));
        assertTrue(e.getMessage().contains("epochs_done"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SKNetModelFile.Meta.fromJson("not json"));
        assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SKNetModelFile.Meta("x", 3, List.of(), -1));
    }
}
