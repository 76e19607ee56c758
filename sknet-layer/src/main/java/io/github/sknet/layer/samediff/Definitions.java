package io.github.sknet.layer.samediff;

/** Whether a configuration class still has the SameDiff definition its helper implements. */
public final class Definitions {
    private Definitions() {
    }

    /**
     * True when {@code config}'s {@code method} is the one declared by {@code base}: a subclass that
     * overrides the definition (another fuse, another attention) must run its own, never the helper of
     * the original.
     */
    public static boolean unchanged(Object config, Class<?> base, String method, Class<?>... parameterTypes) {
        try {
            return config.getClass().getMethod(method, parameterTypes).getDeclaringClass() == base;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(base.getSimpleName() + " has no method " + method, e);
        }
    }
}
