package io.github.sknet.layer.sk;

import java.util.Map;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A user's fuse step: the channel descriptor from mean and max pooling, s = mean_hw(U) + max_hw(U). */
public class MeanMaxFuseVertex extends SKFuseVertex {

    /** For JSON. */
    public MeanMaxFuseVertex() {
    }

    public MeanMaxFuseVertex(int branches) {
        super(branches);
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable u = branchSum(in);
        return u.mean(2, 3).add(u.max(2, 3));
    }
}
