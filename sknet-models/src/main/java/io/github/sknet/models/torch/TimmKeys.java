package io.github.sknet.models.torch;

import java.util.regex.Pattern;

/**
 * timm's state_dict names for the project's SK models (skresnet18/34, skresnext50_32x4d): the project's
 * reference-style key (the DL4J vertex name plus the tensor) to timm's key.
 *
 * <pre>
 * basic_conv.0.weight                      conv1.weight
 * basic_conv.1.*                           bn1.*
 * stage_S.U.conv1.0 / .1                   layerS.U.conv1.conv / .bn         (bottleneck 1x1)
 * stage_S.U.convK_sk.convs.I.0 / .1        layerS.U.convK.paths.I.conv / .bn (the SK conv, K = 1 or 2)
 * stage_S.U.convK_sk.fc.0 / .1             layerS.U.convK.attn.fc_reduce / .attn.bn
 * stage_S.U.convK_sk.fcs.weight            layerS.U.convK.attn.fc_select.weight
 * stage_S.U.conv2.0 / .1, conv3.0 / .1     layerS.U.conv2.conv / .bn, conv3.conv / .bn
 * stage_S.U.shortcut.0 / .1                layerS.U.downsample.0 / .1
 * classifier.*                             fc.*
 * </pre>
 */
public final class TimmKeys {
    private static final String[][] RULES = {
            {"^basic_conv\\.0\\.", "conv1."},
            {"^basic_conv\\.1\\.", "bn1."},
            {"^classifier\\.", "fc."},
            {"^stage_(\\d+)\\.", "layer$1."},
            {"\\.conv(\\d)_sk\\.convs\\.(\\d+)\\.0\\.", ".conv$1.paths.$2.conv."},
            {"\\.conv(\\d)_sk\\.convs\\.(\\d+)\\.1\\.", ".conv$1.paths.$2.bn."},
            {"\\.conv(\\d)_sk\\.fc\\.0\\.", ".conv$1.attn.fc_reduce."},
            {"\\.conv(\\d)_sk\\.fc\\.1\\.", ".conv$1.attn.bn."},
            {"\\.conv(\\d)_sk\\.fcs\\.", ".conv$1.attn.fc_select."},
            {"\\.conv(\\d)\\.0\\.", ".conv$1.conv."},
            {"\\.conv(\\d)\\.1\\.", ".conv$1.bn."},
            {"\\.shortcut\\.", ".downsample."},
    };
    private static final Pattern[] PATTERNS = new Pattern[RULES.length];

    static {
        for (int i = 0; i < RULES.length; i++) {
            PATTERNS[i] = Pattern.compile(RULES[i][0]);
        }
    }

    private TimmKeys() {
    }

    /** The timm key for a reference-style key. */
    public static String timmName(String referenceKey) {
        String k = referenceKey;
        for (int i = 0; i < RULES.length; i++) {
            k = PATTERNS[i].matcher(k).replaceFirst(RULES[i][1]);
        }
        return k;
    }
}
