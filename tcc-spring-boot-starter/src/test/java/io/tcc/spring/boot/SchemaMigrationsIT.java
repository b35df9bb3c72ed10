package io.tcc.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.core.io.DefaultResourceLoader;

import io.tcc.jdbc.RequiredTables;
import io.tcc.test.DatabaseKind;
import io.tcc.test.TestDatabase;
import liquibase.integration.spring.SpringLiquibase;

/**
 * The schema in each form a team applies it: the plain files (twice: they are re-runnable), Flyway's versioned
 * migrations and Liquibase's changelogs, all on one source, schema/. Each leaves every table start-up checks for.
 */
class SchemaMigrationsIT {

    private static final String[] FILES = {"fence", "global", "quartz"};
    private static final String[] VERSIONS = {"0.1.1", "0.1.2", "0.1.3"};

    private static String folder(DatabaseKind kind) {
        return kind == DatabaseKind.MYSQL ? "mysql" : "postgresql";
    }

    private static void assertEveryTableExists(TestDatabase db) {
        assertThatCode(() -> {
            RequiredTables.require(db.dataSource(), "fence.sql", "the test", "tcc_fence");
            RequiredTables.require(db.dataSource(), "global.sql", "the test", "tcc_global", "tcc_branch");
            RequiredTables.require(db.dataSource(), "quartz.sql", "the test", "QRTZ_LOCKS", "QRTZ_TRIGGERS",
                    "QRTZ_FIRED_TRIGGERS", "QRTZ_SCHEDULER_STATE", "QRTZ_JOB_DETAILS");
        }).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @EnumSource(DatabaseKind.class)
    void theMigrationsAreThePlainFilesUnderVersionedNames(DatabaseKind kind) throws IOException {
        for (int i = 0; i < FILES.length; i++) {
            String migration = "META-INF/tcc/migration/" + folder(kind) + "/" + FILES[i] + "/V" + VERSIONS[i] + "__tcc_"
                    + FILES[i] + ".sql";
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(migration)) {
                assertThat(in).as(migration).isNotNull();
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as(migration)
                        .isEqualTo(Files.readString(Path.of("..", "schema", folder(kind), FILES[i] + ".sql")));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(DatabaseKind.class)
    void thePlainFilesCanBeAppliedTwice(DatabaseKind kind) {
        try (TestDatabase db = TestDatabase.create(kind, "plain")) {
            for (int run = 0; run < 2; run++) {
                db.applySchema("fence.sql").applySchema("global.sql").applySchema("quartz.sql");
            }
            assertEveryTableExists(db);
        }
    }

    @ParameterizedTest
    @EnumSource(DatabaseKind.class)
    void flywayAppliesTheLocationsOfARole(DatabaseKind kind) {
        try (TestDatabase db = TestDatabase.create(kind, "flyway")) {
            String base = "classpath:META-INF/tcc/migration/" + folder(kind) + "/";
            Flyway flyway = Flyway.configure().dataSource(db.dataSource())
                    .locations(base + "fence", base + "global", base + "quartz").load();
            assertThat(flyway.migrate().migrationsExecuted).isEqualTo(3);
            assertThat(flyway.migrate().migrationsExecuted).isZero();
            assertEveryTableExists(db);
        }
    }

    @ParameterizedTest
    @EnumSource(DatabaseKind.class)
    void liquibaseIncludesTheChangelogs(DatabaseKind kind) throws Exception {
        try (TestDatabase db = TestDatabase.create(kind, "liquibase")) {
            for (int run = 0; run < 2; run++) {
                SpringLiquibase liquibase = new SpringLiquibase();
                liquibase.setDataSource(db.dataSource());
                liquibase.setResourceLoader(new DefaultResourceLoader());
                liquibase.setChangeLog("classpath:tcc-test/liquibase-changelog.xml");
                liquibase.afterPropertiesSet();
            }
            assertThat(db.jdbc().queryForObject("SELECT COUNT(*) FROM DATABASECHANGELOG", Integer.class)).isEqualTo(3);
            assertEveryTableExists(db);
        }
    }
}
