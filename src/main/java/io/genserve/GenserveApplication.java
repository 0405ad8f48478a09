package io.genserve;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class GenserveApplication {
    public static void main(String[] args) {
        long mainMillis = System.currentTimeMillis();
        SpringApplication app = new SpringApplication(GenserveApplication.class);
        app.addListeners(new StartupReport(mainMillis));
        app.run(args);
    }
}
