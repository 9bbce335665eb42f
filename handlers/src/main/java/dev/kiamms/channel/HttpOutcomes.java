package dev.kiamms.channel;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/** What an HTTP answer or failure means for a channel send; shared by the webhook and the SMS gateway. */
final class HttpOutcomes {

    private HttpOutcomes() {
    }

    /** Refuses anything but an absolute http:// or https:// URL; {@code what} names it in the message. */
    static void requireHttpUrl(String what, URI url) {
        if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new IllegalArgumentException(what + " must be an absolute http:// or https:// URL");
        }
    }

    /** scheme://host:port of a URL: what logs and outcomes show, never its path or query (they may hold a token). */
    static String endpoint(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** 2xx delivered; 408, 429 and 5xx retried later; any other status final. */
    static SendOutcome ofStatus(String what, URI url, int status) {
        String where = endpoint(url);
        if (status >= 200 && status < 300) {
            return new SendOutcome.Delivered(where);
        }
        String reason = what + " " + where + " answered HTTP " + status;
        if (status == 408 || status == 429 || status >= 500) {
            return new SendOutcome.RetryLater(reason);
        }
        return new SendOutcome.Failed(reason + (status >= 300 && status < 400 ? " (a redirect, not followed: configure the final URL)"
                : "; it refused the request, so it is not sent again"), false);
    }

    /**
     * A request that got no answer. Failing to connect sent nothing; a time-out once connected
     * may have been taken: {@code maybeSentOnTimeout} says whether that must not be sent again.
     */
    static SendOutcome ofFailure(String what, URI url, IOException e, boolean maybeSentOnTimeout) {
        String reason = what + " " + endpoint(url) + ": " + describe(e);
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
            return new SendOutcome.RetryLater(reason);
        }
        if (e instanceof HttpTimeoutException && maybeSentOnTimeout) {
            return new SendOutcome.Failed(reason + "; it may have been taken, so it is not sent again", true);
        }
        return new SendOutcome.RetryLater(reason);
    }

    private static String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof ConnectException) {
            return "connection refused or unreachable";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m.replaceAll("\\s+", " "));
    }
}
