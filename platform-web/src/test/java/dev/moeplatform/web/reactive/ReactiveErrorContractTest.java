package dev.moeplatform.web.reactive;

import dev.moeplatform.web.ErrorContractCases;
import dev.moeplatform.web.reactive.fixture.ReactiveFixtureApplication;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = ReactiveFixtureApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"platform.web.openai-error-paths=/v1/**", "platform.web.max-request-body-size=1KB",
                "spring.main.web-application-type=reactive"})
class ReactiveErrorContractTest extends ErrorContractCases {
}
