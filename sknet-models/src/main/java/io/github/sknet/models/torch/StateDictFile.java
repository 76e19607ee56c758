package io.github.sknet.models.torch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads a state_dict file whatever PyTorch user wrote it, recognised from its bytes (not its name):
 * a numpy .npz (zip of .npy entries; numpy.savez or savez_compressed), a .safetensors file, or a
 * torch.save .pth (zip with data.pkl). Every failure is one line naming the file and what was expected.
 */
public final class StateDictFile {
    /** The formats recognised. */
    public enum Format { NPZ, SAFETENSORS, PTH }

    static final String EXPECTED = "expected a state_dict as numpy .npz (numpy.savez), .safetensors or "
            + "torch.save .pth (zip)";

    private StateDictFile() {
    }

    /** Which format the file's bytes are in; throws (one line) if none. */
    public static Format detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw fail(file, "weights file not found");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        long size = Files.size(file);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                if (PthFormat.pickleEntry(zip) != null) {
                    return Format.PTH;
                }
                if (NpzFormat.looksLikeNpz(zip)) {
                    return Format.NPZ;
                }
                throw fail(file, "a zip archive with neither .npy entries nor a data.pkl; " + EXPECTED);
            } catch (ZipException e) {
                throw fail(file, "a damaged or truncated zip archive (" + e.getMessage() + "); " + EXPECTED);
            }
        }
        if (SafetensorsFormat.looksLikeSafetensors(head, size)) {
            return Format.SAFETENSORS;
        }
        if (NpyFormat.isNpy(head)) {
            throw fail(file, "a single .npy array, not a state_dict; " + EXPECTED);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
            throw fail(file, "a legacy (pre-1.6, non-zip) torch.save pickle; re-save it with a current "
                    + "torch.save(model.state_dict(), path), or " + EXPECTED);
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            throw fail(file, "gzip-compressed; gunzip it first (" + EXPECTED + ")");
        }
        throw fail(file, "an unrecognised file (" + size + " bytes); " + EXPECTED);
    }

    /** Reads the file; names as stored (see {@link PyTorchWeights#load} for the "module." prefix). */
    public static Map<String, INDArray> read(Path file) throws IOException {
        Format f = detect(file);
        try {
            switch (f) {
                case NPZ: return NpzFormat.read(file);
                case SAFETENSORS: return SafetensorsFormat.read(file);
                default: return PthFormat.read(file);
            }
        } catch (IllegalArgumentException | IOException e) {
            throw fail(file, "cannot be read as " + describe(f) + ": " + oneLine(e));
        } catch (RuntimeException e) { // e.g. a zip whose entries end early
            throw fail(file, "cannot be read as " + describe(f) + ": " + e.getClass().getSimpleName() + " "
                    + oneLine(e));
        }
    }

    static String describe(Format f) {
        switch (f) {
            case NPZ: return "a numpy .npz state_dict";
            case SAFETENSORS: return "a .safetensors state_dict";
            default: return "a torch.save .pth state_dict";
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    private static IllegalArgumentException fail(Path file, String what) {
        return new IllegalArgumentException(file + ": " + what);
    }
}
