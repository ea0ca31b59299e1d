package dev.moeplatform.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libmoeengine} from inside this jar: the Maven build compiles it from the module's C sources and packs it
 * under {@code native/<os>-<arch>/}. The library is copied to a private temporary file first, since the dynamic
 * loader can only map real files.
 */
final class NativeLibrary {

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;

    private NativeLibrary() {
    }

    static void ensureLoaded() {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (!loaded) {
                load();
                loaded = true;
            }
        }
    }

    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osName = os.contains("linux") ? "linux" : os.replaceAll("[^a-z]", "");
        String archName = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return osName + "-" + archName;
    }

    private static void load() {
        String resource = "/native/" + platform() + "/libmoeengine.so";
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new EngineException("This build of moe-engine has no native library for " + platform()
                        + " (looked for " + resource + "); build it on this platform with ./mvnw -pl moe-engine package");
            }
            Path dir = Files.createTempDirectory("moe-engine-");
            Path library = dir.resolve("libmoeengine.so");
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
            library.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            System.load(library.toAbsolutePath().toString());
        } catch (IOException e) {
            throw new EngineException("Cannot unpack the native library " + resource + ": " + e.getMessage(), e);
        }
    }
}
