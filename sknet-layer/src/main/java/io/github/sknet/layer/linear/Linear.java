package io.github.sknet.layer.linear;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.layer.LayerWiring;

/**
 * DL4J's {@link DenseLayer} (same parameters, options, JSON fields and gradients) whose forward pass
 * reads its weights where they are. DL4J's multiplies the c-ordered input by its f-ordered weight
 * matrix through {@code mmuli}, which copies the whole matrix to one order first: for SKNet-50's
 * classifier (2048 x 1000) that copy made a batch-1 product ~1 ms instead of ~0.14. See
 * {@link LinearLayer}.
 */
public class Linear extends DenseLayer {
    /** For JSON. */
    public Linear() {
    }

    /** DL4J's {@code DenseLayer(Builder)} is private: the layer its builder made, copied field by field. */
    private Linear(DenseLayer built) {
        for (Class<?> c = DenseLayer.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(this, f.get(built));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    throw new IllegalStateException("Linear: cannot copy DenseLayer field " + f.getName(), e);
                }
            }
        }
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("Linear", getLayerName(), layerIndex, getNIn(), getNOut());
        return LayerWiring.wire(new LinearLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams);
    }

    /** {@link DenseLayer.Builder}, building a {@link Linear}. */
    public static class Builder extends DenseLayer.Builder {
        @Override
        @SuppressWarnings("unchecked")
        public Linear build() {
            return new Linear(super.build());
        }
    }
}
