package io.github.sknet.models.torch;

import java.io.IOException;
import java.util.Map;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Lets tests in other packages build the reference's synthetic SKNet-26 state_dict. */
public final class SyntheticStateDictAccess {
    private SyntheticStateDictAccess() {
    }

    public static Map<String, INDArray> sknet26() throws IOException {
        return SyntheticStateDict.build(SyntheticStateDict.keys("sknet26"));
    }
}
