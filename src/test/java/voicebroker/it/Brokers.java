package voicebroker.it;

import java.util.HashMap;
import java.util.Map;
import voicebroker.testkit.BrokerProcess;
import voicebroker.testkit.FakeOpenAi;

/** Environments for a broker under test: always a free port, then whatever the test adds. */
final class Brokers {
    private Brokers() {
    }

    /** A free port plus the given name/value pairs. */
    static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("VOICE_PORT", String.valueOf(BrokerProcess.freePort()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** A broker holding the fake's key and pointed at it, plus the given name/value pairs. */
    static Map<String, String> against(FakeOpenAi fake, String... pairs) {
        Map<String, String> env = env(pairs);
        env.putIfAbsent("OPENAI_API_KEY", FakeOpenAi.DEFAULT_KEY);
        env.putIfAbsent("OPENAI_BASE_URL", fake.baseUrl());
        return env;
    }
}
