package io.genserve.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What identifies one version of a model folder. Stateless.
 *
 * <p>A version is a content hash: the first 12 hex digits of SHA-256 over {@code model.onnx},
 * a zero byte and the manifest (nothing when there is none). The same files give the same
 * version on every replica and after every restart, and a copy that only touched a file's time
 * is not a new version. A fingerprint (size and modification time of both files) is what a
 * repository poll compares: cheap, and a change of it only asks for the hash.
 */
public final class ModelVersions {
    private static final int DIGITS = 12;

    private ModelVersions() {}

    /**
     * @throws ManifestException when model.onnx is missing or unreadable
     */
    public static String of(ModelSource source) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JRE has SHA-256
        }
        try {
            digest(sha, source.onnxFile());
            sha.update((byte) 0);
            if (source.manifestFile().isPresent()) {
                digest(sha, source.manifestFile().get());
            }
        } catch (NoSuchFileException e) {
            throw new ManifestException("no " + source.onnxFile().getFileName() + " in the model folder");
        } catch (IOException e) {
            throw new ManifestException("cannot read the model folder: " + e.getMessage());
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, DIGITS);
    }

    private static void digest(MessageDigest sha, Path file) throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
        }
    }

    /** Size and modification time of the graph and the manifest; equal fingerprints, no change to look for. */
    public record Fingerprint(Stamp graph, Stamp manifest) {}

    /** One file's size and modification time, or null fields when it is absent. */
    public record Stamp(Long size, Long modifiedMillis) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.size(), a.lastModifiedTime().toMillis());
            } catch (NoSuchFileException e) {
                return new Stamp(null, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static Fingerprint fingerprint(ModelSource source) {
        Path manifest = source.directory().resolve(ModelRepository.MANIFEST);
        return new Fingerprint(Stamp.of(source.onnxFile()), Stamp.of(manifest));
    }
}
