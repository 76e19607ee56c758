package io.github.sknet.models;

/**
 * One stage of an SKNet: {@code units} units, the first taking {@code in} channels to {@code out} with
 * {@code stride}, the rest {@code out} to {@code out}; {@code mid} is a bottleneck's inner width (a basic
 * block has none and uses {@code out}).
 */
public record Stage(int in, int mid, int out, int stride, int units) {

    public Stage {
        if (in < 1 || mid < 1 || out < 1 || stride < 1 || units < 1) {
            throw new IllegalArgumentException("Stage: every size must be >= 1, got in=" + in + " mid=" + mid
                    + " out=" + out + " stride=" + stride + " units=" + units);
        }
    }
}
