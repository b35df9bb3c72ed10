package io.tcc.recovery.daemon;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * Every library module at once (this one depends on all of them): no two packages, in one module or across modules,
 * import each other in a circle. tcc-core's own stack is checked in its ArchitectureTest; Maven refuses module cycles.
 */
class ModulesArchitectureTest {

    private static final JavaClasses LIBRARY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("tcc-test-support"))
            // other modules' test-jars (tcc-http's test services): DO_NOT_INCLUDE_TESTS knows only test-classes folders
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("io.tcc");

    @Test
    void noPackagesOfAnyModuleImportEachOtherInACircle() {
        slices().matching("io.tcc.(**)").should().beFreeOfCycles().check(LIBRARY);
    }
}
