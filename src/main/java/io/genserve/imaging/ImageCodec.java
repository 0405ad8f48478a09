package io.genserve.imaging;

import io.genserve.error.BadInputException;
import io.genserve.error.MemoryExhaustedException;
import io.genserve.error.TooLargeException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files to {@link PixelImage}s and back: PNG (8 and 16 bits), JPEG (also CMYK),
 * WebP, TIFF, BMP and GIF, through ImageIO with the TwelveMonkeys plugins. Decoding checks the
 * declared size against the limits before it allocates anything, and treats any decoder warning (a
 * truncated JPEG decodes "successfully" with one) as a corrupt file, except the colour-profile
 * notices (a CMYK JPEG without an ICC profile is converted with a generic one: its colours, not
 * its data, are approximate). Gray files are read from their raster, not through
 * {@code getRGB}, which would gamma-convert them. Thread-safe.
 */
public final class ImageCodec {
    private final ImagingProperties limits;

    public ImageCodec(ImagingProperties limits) {
        this.limits = limits;
    }

    /**
     * The size the file declares, read from its header alone (nothing is decoded), within the
     * limits: what a request will cost is known before any of it is spent.
     *
     * @param field the request field the bytes came from, named in every error
     * @throws TooLargeException when the declared size exceeds {@code genserve.imaging.max-side} or {@code max-pixels}
     */
    public ImageHeader readHeader(byte[] bytes, String field) {
        return read(bytes, field, false).header();
    }

    /** @param field the request field the bytes came from, named in every error */
    public DecodedImage decode(byte[] bytes, String field) {
        return read(bytes, field, true).image();
    }

    private record Read(ImageHeader header, DecodedImage image) {}

    private Read read(byte[] bytes, String field, boolean decode) {
        if (bytes == null) {
            throw new BadInputException(field, "'" + field + "' is required");
        }
        if (bytes.length == 0) {
            throw new BadInputException(field, "'" + field + "' is empty");
        }
        // Memory-cached streams: ImageIO's default file cache writes every upload to java.io.tmpdir.
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadInputException(
                        field,
                        "'" + field + "' is not an image in a format Genserve reads (PNG, JPEG, WebP, TIFF, BMP, GIF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageHeader header = new ImageHeader(reader.getWidth(0), reader.getHeight(0));
                checkSize(field, header);
                if (!decode) {
                    return new Read(header, null);
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (!warning.contains("ICC")) {
                        warnings.add(warning);
                    }
                });
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw corrupt(field, warnings.get(0));
                }
                return new Read(header, toPixels(image));
            } finally {
                reader.dispose();
            }
        } catch (BadInputException | TooLargeException e) {
            throw e;
        } catch (OutOfMemoryError e) {
            throw MemoryExhaustedException.whileServing("decoding '" + field + "'", e);
        } catch (IOException | RuntimeException e) {
            OutOfMemoryError oom = outOfMemoryCause(e); // some decoders wrap the error in an IIOException
            if (oom != null) {
                throw MemoryExhaustedException.whileServing("decoding '" + field + "'", oom);
            }
            // Decoders signal malformed data with IOExceptions and, for some files, runtime exceptions.
            throw corrupt(field, e.getMessage());
        }
    }

    private void checkSize(String field, ImageHeader header) {
        int width = header.width();
        int height = header.height();
        if (width < 1 || height < 1) {
            throw new BadInputException(field, "'" + field + "' has no pixels (" + width + "x" + height + ")");
        }
        if (width > limits.maxSide() || height > limits.maxSide()) {
            throw new TooLargeException(
                    field,
                    "genserve.imaging.max-side",
                    "'" + field + "' is " + width + "x" + height + "; the limit is " + limits.maxSide()
                            + " pixels per side (genserve.imaging.max-side)");
        }
        if (header.pixels() > limits.maxPixels()) {
            throw new TooLargeException(
                    field,
                    "genserve.imaging.max-pixels",
                    "'" + field + "' is " + width + "x" + height + " = " + header.pixels() + " pixels; the limit is "
                            + limits.maxPixels() + " pixels (genserve.imaging.max-pixels)");
        }
    }

    private static OutOfMemoryError outOfMemoryCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) {
                return oom;
            }
        }
        return null;
    }

    private static BadInputException corrupt(String field, String detail) {
        return new BadInputException(
                field, "'" + field + "' is corrupt or truncated" + (detail == null ? "" : " (" + detail + ")"));
    }

    private static DecodedImage toPixels(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(cm instanceof IndexColorModel);
        byte[] alpha = cm.hasAlpha() ? new byte[w * h] : null;
        if (gray) {
            int max = (1 << cm.getComponentSize(0)) - 1;
            byte[] out = new byte[w * h];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (byte) Math.round(raster.getSample(x, y, 0) * 255.0 / max);
                    if (alpha != null) {
                        alpha[y * w + x] = (byte)
                                Math.round(raster.getSample(x, y, 1) * 255.0 / ((1 << cm.getComponentSize(1)) - 1));
                    }
                }
            }
            return new DecodedImage(new PixelImage(w, h, 1, out), alpha);
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            out[3 * i] = (byte) (argb[i] >> 16);
            out[3 * i + 1] = (byte) (argb[i] >> 8);
            out[3 * i + 2] = (byte) argb[i];
            if (alpha != null) {
                alpha[i] = (byte) (argb[i] >>> 24);
            }
        }
        return new DecodedImage(new PixelImage(w, h, 3, out), alpha);
    }

    public byte[] encode(PixelImage image, ImageFormat format) {
        if (format == ImageFormat.PNG) {
            return PngEncoder.encode(image); // ImageIO's PNG writer costs more than tiny images do
        }
        BufferedImage buffered = toBuffered(image);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer =
                ImageIO.getImageWritersByFormatName(format.imageIoName()).next();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format == ImageFormat.JPEG) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(limits.jpegQuality());
            }
            writer.write(null, new IIOImage(buffered, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static BufferedImage toBuffered(PixelImage image) {
        int w = image.width();
        int h = image.height();
        BufferedImage out = new BufferedImage(
                w, h, image.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        byte[] target = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        byte[] src = image.pixels();
        if (image.channels() == 1) {
            System.arraycopy(src, 0, target, 0, src.length);
        } else {
            for (int i = 0; i < src.length; i += 3) {
                target[i] = src[i + 2];
                target[i + 1] = src[i + 1];
                target[i + 2] = src[i];
            }
        }
        return out;
    }
}
