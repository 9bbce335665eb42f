package dev.kiamms.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Redactor redactor = Redactor.standard();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void masksNestedKeysAndKeysInsideArraysAndLeavesTheRest() throws Exception {
        JsonNode in = json("""
                {'userid': 'alice', 'Password': 'hunter2',
                 'mta': {'host': 'smtp.example.com', 'passwd': 's3cret', 'port': 587,
                         'auth': {'Authorization': 'Bearer abc', 'user': 'bob'}},
                 'keys': [{'name': 'k1', 'apiKey': 'AAA'}, {'name': 'k2', 'API_KEY': 'BBB'}, 'token', 42, null],
                 'session': {'access_token': 'x', 'refreshToken': 'y', 'tokens': ['a', 'b']},
                 'credentials': {'user': 'u', 'pin': 1234},
                 'client_secret': 7, 'empty': {}, 'list': []}""");
        JsonNode expected = json("""
                {'userid': 'alice', 'Password': '****',
                 'mta': {'host': 'smtp.example.com', 'passwd': '****', 'port': 587,
                         'auth': {'Authorization': '****', 'user': 'bob'}},
                 'keys': [{'name': 'k1', 'apiKey': '****'}, {'name': 'k2', 'API_KEY': '****'}, 'token', 42, null],
                 'session': {'access_token': '****', 'refreshToken': '****', 'tokens': '****'},
                 'credentials': '****',
                 'client_secret': '****', 'empty': {}, 'list': []}""");
        JsonNode original = in.deepCopy();
        assertEquals(expected, redactor.redact(in));
        assertEquals(original, in, "the input was modified");
    }

    @Test
    void arraysAtTheTopAndNestedArraysAreWalked() throws Exception {
        assertEquals(json("[[{'secret': '****'}], {'a': [{'b': {'PASSWD': '****'}}]}]"),
                redactor.redact(json("[[{'secret': 1}], {'a': [{'b': {'PASSWD': [1, 2]}}]}]")));
    }

    @Test
    void aValueWithoutSecretKeysIsEqualAndScalarsAreUntouched() throws Exception {
        JsonNode in = json("{'newemail': 'a@x', 'mailto': ['a@x', 'b@y'], 'n': 1.5, 'ok': true, 'none': null}");
        assertEquals(in, redactor.redact(in));
        JsonNode text = json("'password=hunter2'");
        assertSame(text, redactor.redact(text), "free text is not searched");
        assertNull(redactor.redact(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"password", "PASSWORD", "newPassword", "passwd", "secret", "token", "credential",
            "Credentials", "authorization", "apikey", "api_key", "X-ApiKey"})
    void secretKeys(String key) {
        assertTrue(redactor.isSecret(key), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"userid", "email", "pass", "key", "api", "auth", "locale", ""})
    void ordinaryKeys(String key) {
        assertFalse(redactor.isSecret(key), key);
    }

    @Test
    void aCustomPatternReplacesTheDefault() throws Exception {
        Redactor custom = new Redactor(Pattern.compile("^ssn$", Pattern.CASE_INSENSITIVE));
        assertEquals(json("{'SSN': '****', 'password': 'p'}"), custom.redact(json("{'SSN': '123', 'password': 'p'}")));
    }
}
