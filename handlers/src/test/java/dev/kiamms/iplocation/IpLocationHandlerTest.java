package dev.kiamms.iplocation;

import dev.kiamms.pipeline.ActionException;
import dev.kiamms.pipeline.MessageContext;
import dev.kiamms.testing.GeoIpTestData;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpLocationHandlerTest {

    private static final MessageContext CONTEXT =
            new MessageContext("kiam.console.action.iplocation", "0123456789abcdef0123456789abcdef", 1L);

    @TempDir
    static Path dir;
    private static GeoIpDatabase city;
    private static GeoIpDatabase country;
    private static IpLocationHandler handler;

    @BeforeAll
    static void open() throws IOException {
        city = GeoIpDatabase.open(GeoIpTestData.city(dir));
        country = GeoIpDatabase.open(GeoIpTestData.country(dir));
        handler = new IpLocationHandler(() -> city);
    }

    @AfterAll
    static void close() throws IOException {
        city.close();
        country.close();
    }

    private static IpLocation locate(String ip, String locale) throws ActionException {
        return handler.handle(new IpLocationRequest(ip, locale), CONTEXT);
    }

    @Test
    void isTheIplocationAction() {
        assertEquals("iplocation", handler.key());
        assertSame(IpLocationRequest.class, handler.payloadType());
    }

    @Test
    void londonInEnglish() throws ActionException {
        IpLocation l = locate("81.2.69.142", "en");
        assertEquals("Europe", l.continent());
        assertEquals("United Kingdom", l.country());
        assertEquals("London", l.city());
        assertEquals(51.5142, l.latitude());
        assertEquals(-0.0931, l.longitude());
        assertEquals("Europe/London", l.timezone());
    }

    @ParameterizedTest
    @ValueSource(strings = {"zh-cn", "zh-CN"})
    void linkopingInChineseWhateverTheCaseOfTheLocale(String locale) throws ActionException {
        IpLocation l = locate("89.160.20.112", locale);
        assertEquals("欧洲", l.continent());
        assertEquals("瑞典", l.country());
        assertEquals("林雪平", l.city());
        assertEquals("Europe/Stockholm", l.timezone());
    }

    @Test
    void nameMissingInTheLocaleFallsBackToEnglish() throws ActionException {
        IpLocation l = locate("2.125.160.216", "zh-cn");
        assertEquals("欧洲", l.continent());
        assertEquals("英国", l.country());
        assertEquals("Boxford", l.city());
    }

    @Test
    void ipv6LiteralIsLookedUp() throws ActionException {
        // The test database maps 2001:218::/32 to Japan.
        assertEquals("Japan", locate("2001:218::1", "en").country());
    }

    @Test
    void unknownAddressIsAnEmptyPlaceNotAnError() throws ActionException {
        assertEquals(IpLocation.UNKNOWN, locate("8.8.8.8", "en"));
        assertEquals(new IpLocation("", "", "", 0.0, 0.0, ""), IpLocation.UNKNOWN);
    }

    @Test
    void countryDatabaseWorksWithoutCity() throws ActionException {
        IpLocation l = new IpLocationHandler(() -> country).handle(new IpLocationRequest("81.2.69.142", "en"), CONTEXT);
        assertEquals("United Kingdom", l.country());
        assertEquals("", l.city());
    }

    @Test
    void withoutADatabaseItSaysWhatToConfigure() {
        ActionException e = assertThrows(ActionException.class,
                () -> new IpLocationHandler(() -> null).handle(new IpLocationRequest("81.2.69.142", "en"), CONTEXT));
        assertEquals("GeoIP database not configured (geoip.path)", e.getMessage());
    }

    @Test
    void followsTheDatabaseInForce() throws ActionException {
        // The app swaps databases on reload: the handler must read the supplier per request.
        AtomicReference<GeoIpDatabase> current = new AtomicReference<>();
        IpLocationHandler swapping = new IpLocationHandler(current::get);
        assertThrows(ActionException.class, () -> swapping.handle(new IpLocationRequest("81.2.69.142", "en"), CONTEXT));
        current.set(country);
        assertEquals("", swapping.handle(new IpLocationRequest("81.2.69.142", "en"), CONTEXT).city());
        current.set(city);
        assertEquals("London", swapping.handle(new IpLocationRequest("81.2.69.142", "en"), CONTEXT).city());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.0.0.1", "192.168.1.1", "::1", "fe80::1", "224.0.0.1", "999.1.1.1", "example.com"})
    void nonPublicOrUnparseableAddressIsAnErrorNamingIt(String ip) {
        ActionException e = assertThrows(ActionException.class, () -> locate(ip, "en"));
        assertTrue(e.getMessage().contains(ip), e.getMessage());
    }

    @Test
    void missingAddressIsAnError() {
        assertEquals("ipaddr missing", assertThrows(ActionException.class, () -> locate(null, "en")).getMessage());
    }

    @Test
    void concurrentLookupsAgree() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<IpLocation>> jobs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String ip = i % 2 == 0 ? "81.2.69.142" : "89.160.20.112";
                jobs.add(() -> locate(ip, "zh-cn"));
            }
            int london = 0;
            for (Future<IpLocation> f : pool.invokeAll(jobs, 60, java.util.concurrent.TimeUnit.SECONDS)) { // bounded: a hang fails as a cancellation
                IpLocation l = f.get();
                assertTrue(l.country().equals("英国") || l.city().equals("林雪平"), l.toString());
                london += l.country().equals("英国") ? 1 : 0;
            }
            assertEquals(200, london);
        } finally {
            pool.shutdownNow();
        }
    }
}
