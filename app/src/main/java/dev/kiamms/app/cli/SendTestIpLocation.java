package dev.kiamms.app.cli;

import dev.kiamms.app.KiamMsException;
import dev.kiamms.app.service.InstancePaths;
import dev.kiamms.bus.KrossIamClient;
import dev.kiamms.iplocation.IpLocationHandler;
import dev.kiamms.iplocation.IpLocationRequest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "iplocation",
        description = "Ask for the location of an IP address, as KrossIAM does at login.",
        footer = {"", "Exit codes: 0 reply code 0, 4 a reply with another code, 3 broker unreachable, 1 no reply.",
                "", "Examples:", "  kiam-ms send-test iplocation 81.2.69.142", "  kiam-ms send-test iplocation 89.160.20.112 --locale zh-cn --json"})
public final class SendTestIpLocation implements Callable<Integer> {

    @Parameters(paramLabel = "ADDRESS", description = "The IP address to locate.")
    String address;

    @Option(names = "--locale", defaultValue = "en", description = "Language of the names, e.g. en, zh-cn (default: ${DEFAULT-VALUE}).")
    String locale;

    @Mixin
    InstanceOptions instance;

    @Mixin
    KrossIamConnection connection;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws InterruptedException {
        InstancePaths paths = instance.paths();
        try (KrossIamClient client = connection.connect(paths, instance.loadConfig(paths))) {
            KrossIamClient.Exchange ex = client.request(IpLocationHandler.KEY, new IpLocationRequest(address, locale),
                    connection.timeout(10));
            return ReplyPrinter.print(ex, output);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.FAILURE, e.getMessage());
        }
    }
}
