package io.github.sknet.models.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The state_dict readers on files numpy, torch.save and the safetensors layout wrote (fixtures/torch/dtypes.*):
 * every dtype, byte order, memory order, 0-d arrays, views; and one clear line for each kind of bad file.
 */
class StateDictFileTest {
    @TempDir
    Path dir;

    static Map<String, INDArray> expected() throws IOException {
        return StateDictFile.read(TorchFixtures.resource("dtypes_expected.npz"));
    }

    static void assertValues(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double err = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertEquals(0.0, err, 1e-7 * Math.max(1, expected.amaxNumber().doubleValue()), what + " values");
    }

    @Test
    void expectedValuesAreWhatTheGeneratorWrote() throws IOException {
        Map<String, INDArray> e = expected();
        assertEquals(0, e.get("scalar_i64").rank());
        assertEquals(1234567L, e.get("scalar_i64").getLong(0));
        assertEquals(0.25, e.get("scalar_f32").getDouble(0));
        assertEquals(-5L, e.get("i64").getLong(0, 0));
        assertEquals(6L, e.get("i64").getLong(2, 3));
        assertEquals(-1.0, e.get("vec").getDouble(0));
        assertEquals(0.5, e.get("vec").getDouble(3), 1e-15);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtypes.npz", "dtypes_compressed.npz"})
    void npzEveryDtypeByteOrderAndMemoryOrder(String file) throws IOException {
        Path p = TorchFixtures.resource(file);
        assertEquals(StateDictFile.Format.NPZ, StateDictFile.detect(p));
        Map<String, INDArray> sd = StateDictFile.read(p);
        Map<String, INDArray> e = expected();
        for (String k : new String[] {"f32", "f16", "f64", "i64", "scalar_i64", "scalar_f32", "vec"}) {
            assertValues(e.get(k), sd.get(k), file + ":" + k);
        }
        assertEquals(DataType.FLOAT, sd.get("f16").dataType());
        assertEquals(DataType.LONG, sd.get("i64").dataType());
        assertEquals(0, sd.get("scalar_i64").rank(), "0-d stays 0-d");
        assertEquals(DataType.LONG, sd.get("scalar_i64").dataType());
        assertValues(e.get("f32"), sd.get("big_endian_f32"), "'>f4'");
        assertValues(e.get("i64"), sd.get("big_endian_i64"), "'>i8'");
        assertValues(e.get("f32"), sd.get("fortran_f32"), "Fortran order f4");
        assertValues(e.get("i64"), sd.get("fortran_i64"), "Fortran order i8");
        assertEquals(11, sd.size());
    }

    @Test
    void safetensorsEveryDtype() throws IOException {
        Path p = TorchFixtures.resource("dtypes.safetensors");
        assertEquals(StateDictFile.Format.SAFETENSORS, StateDictFile.detect(p));
        Map<String, INDArray> sd = StateDictFile.read(p);
        Map<String, INDArray> e = expected();
        for (String k : new String[] {"f32", "f16", "bf16", "f64", "i64", "scalar_i64", "scalar_f32", "vec"}) {
            assertValues(e.get(k), sd.get(k), "safetensors:" + k);
        }
        assertEquals(8, sd.size(), "__metadata__ is not a tensor");
        assertEquals(DataType.DOUBLE, sd.get("f64").dataType());
    }

    @Test
    void pthEveryDtypeAndViews() throws IOException {
        Path p = TorchFixtures.resource("dtypes.pth");
        assertEquals(StateDictFile.Format.PTH, StateDictFile.detect(p));
        Map<String, INDArray> sd = StateDictFile.read(p);
        Map<String, INDArray> e = expected();
        for (String k : new String[] {"f32", "f16", "bf16", "f64", "i64", "scalar_i64", "scalar_f32", "vec"}) {
            assertValues(e.get(k), sd.get(k), "pth:" + k);
        }
        assertValues(e.get("f32").transpose(), sd.get("f32_transposed"), "pth: a transposed view (strides 1, 4)");
        assertEquals(0, sd.get("scalar_f32").rank());
        assertEquals(9, sd.size());
        assertEquals("[f32, f32_transposed, f16, bf16, f64, i64, scalar_i64, scalar_f32, vec]",
                sd.keySet().toString(), "the state_dict's order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtypes.npz", "dtypes_compressed.npz", "dtypes.safetensors", "dtypes.pth"})
    void truncatedFilesGiveOneLineNamingTheFile(String file) throws IOException {
        byte[] all = Files.readAllBytes(TorchFixtures.resource(file));
        for (int keep : new int[] {all.length / 3, all.length - 30, 12}) {
            Path cut = dir.resolve("cut-" + keep + "-" + file);
            Files.write(cut, Arrays.copyOf(all, keep));
            String m = assertThrows(IllegalArgumentException.class, () -> StateDictFile.read(cut)).getMessage();
            assertOneLine(m, cut);
        }
    }

    @Test
    void filesOfAnotherKindAreNamedWithWhatWasExpected() throws IOException {
        Path text = dir.resolve("notes.pth");
        Files.writeString(text, "these are not weights\n");
        assertTrue(msg(text).contains("unrecognised file"), msg(text));

        Path npy = dir.resolve("one.npz");
        Files.write(npy, Files.readAllBytes(TorchFixtures.resource("dtypes_expected.npz")).length > 0
                ? npyBytes("<f4", "(2,)", new byte[8]) : new byte[0]);
        assertTrue(msg(npy).contains("a single .npy array, not a state_dict"), msg(npy));

        Path gz = dir.resolve("w.npz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(TorchFixtures.resource("dtypes.npz")));
        }
        assertTrue(msg(gz).contains("gzip-compressed"), msg(gz));

        Path zip = dir.resolve("other.zip");
        writeZip(zip, "readme.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertTrue(msg(zip).contains("neither .npy entries nor a data.pkl"), msg(zip));

        Path legacy = dir.resolve("legacy.pth");
        Files.write(legacy, new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertTrue(msg(legacy).contains("legacy"), msg(legacy));

        assertTrue(msg(dir.resolve("absent.pth")).contains("not found"));
    }

    @Test
    void unsupportedDtypesAreNamed() throws IOException {
        Path npz = dir.resolve("complex.npz");
        writeZip(npz, "w.npy", npyBytes("<c8", "(1,)", new byte[8]));
        assertTrue(msg(npz).contains("unsupported .npy dtype '<c8'"), msg(npz));

        Path st = dir.resolve("fp8.safetensors");
        Files.write(st, SafetensorsBytes.of("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]));
        assertTrue(msg(st).contains("unsupported dtype 'F8_E4M3'"), msg(st));

        Path bad = dir.resolve("short.safetensors");
        Files.write(bad, SafetensorsBytes.of("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        assertTrue(msg(bad).contains("8 bytes do not hold shape [3] of F32"), msg(bad));
    }

    @Test
    void theUnpicklerRefusesAnythingButTensors() throws IOException {
        // what pickle.dumps(os.system) style payloads look like: GLOBAL 'os system', then a call
        byte[] evil = bytes("\u0080\u0002cos\nsystem\nq\u0000X\u0002\u0000\u0000\u0000lsq\u0001\u0085R.");
        Path p = dir.resolve("evil.pth");
        writeZip(p, "archive/data.pkl", evil);
        assertEquals(StateDictFile.Format.PTH, StateDictFile.detect(p));
        String m = msg(p);
        assertTrue(m.contains("refuses to load 'os.system'"), m);

        // builtins.eval through STACK_GLOBAL
        byte[] stack = bytes("\u0080\u0004\u008c\u0008builtins\u008c\u0004eval\u0093.");
        writeZip(p, "archive/data.pkl", stack);
        assertTrue(msg(p).contains("refuses to load 'builtins.eval'"), msg(p));

        // an opcode torch.save never writes (INST)
        writeZip(p, "archive/data.pkl", bytes("\u0080\u0002i__main__\nX\n."));
        assertTrue(msg(p).contains("refuses pickle opcode 0x69"), msg(p));
    }

    private static String msg(Path p) {
        String m = assertThrows(IllegalArgumentException.class, () -> StateDictFile.read(p)).getMessage();
        assertOneLine(m, p);
        return m;
    }

    static void assertOneLine(String m, Path p) {
        assertFalse(m.contains("\n"), "one line: " + m);
        assertTrue(m.startsWith(p.toString() + ": "), "names the file: " + m);
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] npyBytes(String descr, String shape, byte[] data) throws IOException {
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        h = h + " ".repeat((64 - (10 + h.length() + 1) % 64) % 64) + "\n";
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), (byte) (h.length() >> 8)});
        o.write(h.getBytes(StandardCharsets.US_ASCII));
        o.write(data);
        return o.toByteArray();
    }


    static void writeZip(Path p, String entry, byte[] data) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry(entry));
            z.write(data);
            z.closeEntry();
        }
    }
}
