package dev.kiamms.route;

import dev.kiamms.mail.template.MailTemplates;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The shipped templates copied to a test folder, with a short {@code login-alert} template added for texts. */
final class RouteTemplates {

    static final Path SHIPPED = Path.of(System.getProperty("kiamms.root", "../"), "conf", "templates");

    private RouteTemplates() {
    }

    static MailTemplates load(Path dir) throws IOException {
        Path to = dir.resolve("templates");
        try (Stream<Path> files = Files.walk(SHIPPED)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(SHIPPED.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Files.writeString(to.resolve("login-alert.txt"), "Hi {{userid}}, a sign-in from {{ip}}. Not you? Call us.\n");
        Files.writeString(to.resolve("login-alert.html"), "<p>Hi {{userid}}, a sign-in from {{ip}}.</p>\n");
        return MailTemplates.load(to);
    }
}
