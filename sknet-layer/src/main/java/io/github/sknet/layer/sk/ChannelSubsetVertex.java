package io.github.sknet.layer.sk;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's SubsetVertex on the channel axis of NCHW activations (inclusive range), with the output type
 * it should have: SubsetVertex in 1.0.0-M2.1 reports {@code from - to + 1} channels for CNN input.
 */
public class ChannelSubsetVertex extends SubsetVertex {

    public ChannelSubsetVertex(@JsonProperty("from") int from, @JsonProperty("to") int to) {
        super(from, to);
    }

    @Override
    public ChannelSubsetVertex clone() {
        return new ChannelSubsetVertex(getFrom(), getTo());
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) throws InvalidInputTypeException {
        if (inputs.length == 1 && inputs[0] instanceof InputType.InputTypeConvolutional) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputs[0];
            if (getTo() >= c.getChannels()) {
                throw new InvalidInputTypeException("ChannelSubsetVertex: channels " + getFrom() + ".." + getTo()
                        + " are out of range for input " + c);
            }
            return InputType.convolutional(c.getHeight(), c.getWidth(), getTo() - getFrom() + 1, c.getFormat());
        }
        return super.getOutputType(layerIndex, inputs);
    }
}
