package io.tcc;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;

/**
 * tcc-core is a stack: each package imports only the ones below it, and none imports an interception or transport
 * technology (those are the other modules' business). docs/architecture.md draws the same stack.
 */
class ArchitectureTest {

    /** Bottom to top: the kernel types and exceptions first, the interception that reads annotations last. */
    static final List<String> LAYERS = List.of("io.tcc", "io.tcc.annotation", "io.tcc.context", "io.tcc.jdbc",
            "io.tcc.fence", "io.tcc.participant", "io.tcc.global", "io.tcc.interception");

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> location.contains("/tcc-core/"))
            .importPackages("io.tcc");

    @Test
    void everyPackageImportsOnlyThePackagesBelowIt() {
        LayeredArchitecture stack = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (String layer : LAYERS) {
            stack = stack.layer(layer).definedBy(layer);
        }
        for (int i = 0; i < LAYERS.size() - 1; i++) {
            String[] above = LAYERS.subList(i + 1, LAYERS.size()).toArray(String[]::new);
            stack = stack.whereLayer(LAYERS.get(i)).mayOnlyBeAccessedByLayers(above);
        }
        stack.whereLayer(LAYERS.get(LAYERS.size() - 1)).mayNotBeAccessedByAnyLayer().check(CORE);
    }

    @Test
    void noPackagesImportEachOtherInACircle() {
        slices().matching("io.tcc.(**)").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void theCoreImportsNoInterceptionTransportSchedulingOrJsonLibrary() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(Arrays.asList("org.springframework.aop..",
                        "org.aspectj..", "org.quartz..", "jakarta.servlet..", "javax.servlet..", "tools.jackson..",
                        "com.fasterxml.jackson..", "org.springframework.web..", "org.springframework.boot..")
                        .toArray(String[]::new))
                .check(CORE);
    }
}
