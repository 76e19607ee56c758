package io.github.sknet.models.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import io.github.sknet.models.torch.NpyFormat;

/**
 * numpy .npy / .npz files: reading with the project's byte-level parser ({@link NpyFormat}: any shape
 * including 0-d, either byte order, C or Fortran order), writing float32 (and int64), atomically.
 */
public final class Npy {
    private Npy() {
    }

    public static INDArray read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("file not found: " + file);
        }
        try {
            return NpyFormat.parse(Files.readAllBytes(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read " + file + " as a numpy .npy array: " + e.getMessage(), e);
        }
    }

    /** Writes a float32 .npy (int64 for LONG arrays); a crash leaves no partial file. */
    public static void write(Path file, INDArray a) throws IOException {
        byte[] bytes = npyBytes(a);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Writes an uncompressed .npz with one .npy entry per array. */
    public static void writeNpz(Path file, Map<String, INDArray> arrays) throws IOException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                byte[] bytes = npyBytes(e.getValue());
                // stored with sizes and CRC up front, as numpy writes it: ND4J's reader needs them in the header
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(bytes.length);
                entry.setCompressedSize(bytes.length);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    static byte[] npyBytes(INDArray a) throws IOException {
        boolean isLong = a.dataType() == DataType.LONG;
        INDArray c = (isLong ? a : a.castTo(DataType.FLOAT)).dup('c');
        StringBuilder shape = new StringBuilder("(");
        for (long s : c.shape()) {
            shape.append(s).append(", ");
        }
        if (c.rank() > 1) {
            shape.setLength(shape.length() - 2);
        } else if (c.rank() == 1) {
            shape.setLength(shape.length() - 1);
        }
        shape.append(")");
        String header = "{'descr': '" + (isLong ? "<i8" : "<f4") + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write((header.length() >> 8) & 0xff);
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buf = ByteBuffer.allocate((int) c.length() * (isLong ? 8 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (isLong) {
            for (long v : c.data().asLong()) {
                buf.putLong(v);
            }
        } else {
            for (float v : c.data().asFloat()) {
                buf.putFloat(v);
            }
        }
        out.write(buf.array());
        return out.toByteArray();
    }

    /** Body of an atomic write. */
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }
}
