package io.genserve.imaging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes an 8-bit gray or RGB {@link PixelImage} as a PNG (RFC 2083): IHDR, one IDAT, IEND.
 * Why not ImageIO: for the 28x28 images of the default generator, ImageIO's writer lookup, its
 * metadata tree and its stream layers cost more than the pixels (bench/profile.sh: 3.5% of the CPU
 * of {@code /generate}); this is the same file format in one pass over the rows.
 *
 * <p>Each row gets the filter with the smallest sum of absolute differences (PNG's recommended
 * heuristic, as libpng and ImageIO choose); the rows are deflated at level 4 (ImageIO's default
 * too). The output depends on the pixels alone: the same image gives the same bytes. Stateless;
 * thread-safe.
 */
final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int LEVEL = 4;
    private static final int GRAY = 0;
    private static final int RGB = 2;

    private PngEncoder() {}

    static byte[] encode(PixelImage image) {
        int w = image.width();
        int h = image.height();
        int bpp = image.channels();
        byte[] filtered = filterRows(image.pixels(), w * bpp, h, bpp);
        Deflater deflater = new Deflater(LEVEL);
        byte[] idat;
        try {
            deflater.setInput(filtered);
            deflater.finish();
            ByteArrayOutputStream z = new ByteArrayOutputStream(filtered.length / 2 + 64);
            byte[] chunk = new byte[Math.min(64 * 1024, filtered.length + 64)];
            while (!deflater.finished()) {
                z.write(chunk, 0, deflater.deflate(chunk));
            }
            idat = z.toByteArray();
        } finally {
            deflater.end(); // the zlib state is native memory: free it now, not at GC
        }
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bits per sample
        ihdr[9] = (byte) (bpp == 1 ? GRAY : RGB);
        // compression 0 (deflate), filter method 0 (adaptive), interlace 0 (none): already zero
        ByteArrayOutputStream out = new ByteArrayOutputStream(SIGNATURE.length + 3 * 12 + 13 + idat.length);
        out.writeBytes(SIGNATURE);
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Each row prefixed with its filter type and filtered by it. */
    static byte[] filterRows(byte[] pixels, int stride, int height, int bpp) {
        byte[] out = new byte[(stride + 1) * height];
        byte[] candidate = new byte[stride];
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int prev = row - stride; // negative on the first row: "above" is zero there
            int dst = y * (stride + 1);
            long best = Long.MAX_VALUE;
            for (int type = 0; type <= 4; type++) {
                long cost = 0;
                for (int i = 0; i < stride; i++) {
                    int x = pixels[row + i] & 0xFF;
                    int a = i >= bpp ? pixels[row + i - bpp] & 0xFF : 0;
                    int b = prev >= 0 ? pixels[prev + i] & 0xFF : 0;
                    int c = i >= bpp && prev >= 0 ? pixels[prev + i - bpp] & 0xFF : 0;
                    int f = switch (type) {
                        case 0 -> x;
                        case 1 -> x - a;
                        case 2 -> x - b;
                        case 3 -> x - ((a + b) >>> 1);
                        default -> x - paeth(a, b, c);
                    };
                    candidate[i] = (byte) f;
                    cost += Math.abs((byte) f); // the bytes as signed: small differences either way are cheap
                }
                if (cost < best) {
                    best = cost;
                    out[dst] = (byte) type;
                    System.arraycopy(candidate, 0, out, dst + 1, stride);
                }
            }
        }
        return out;
    }

    /** PNG's Paeth predictor: whichever of left, above and upper left is closest to left + above - upper left. */
    static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) {
            return a;
        }
        return pb <= pc ? b : c;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] header = new byte[8];
        putInt(header, 0, data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, header, 4, 4);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        byte[] trailer = new byte[4];
        putInt(trailer, 0, (int) crc.getValue());
        out.writeBytes(header);
        out.writeBytes(data);
        out.writeBytes(trailer);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
