package io.tcc.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.tcc.fence.FenceOutcome;
import io.tcc.fence.FencePhase;
import io.tcc.fence.FenceState;
import io.tcc.global.BranchState;
import io.tcc.global.GlobalState;

/**
 * The Promela model names its states exactly as the Java enums (one prefix per enum, as Promela has one namespace for
 * mtype constants): a constant added, removed or renamed on either side without the other fails here.
 */
class ModelStatesMatchEnumsTest {

    static final Path MODEL = Path.of("src/test/promela/tcc.pml");

    /** Each enum the model mirrors, by the name of its mtype declaration, with the prefix of its constants. */
    private record Mirrored(Class<? extends Enum<?>> type, String prefix) {
    }

    private static final Map<String, Mirrored> MIRRORED = Map.of(
            "FenceState", new Mirrored(FenceState.class, "F_"),
            "FenceOutcome", new Mirrored(FenceOutcome.class, "O_"),
            "FencePhase", new Mirrored(FencePhase.class, "P_"),
            "GlobalState", new Mirrored(GlobalState.class, "G_"),
            "BranchState", new Mirrored(BranchState.class, "B_"));

    private static final Pattern MTYPE = Pattern.compile("mtype\\s*:\\s*(\\w+)\\s*=\\s*\\{([^}]*)}");

    @Test
    void everyMirroredEnumHasOneMtypeWithExactlyItsConstants() throws IOException {
        Map<String, List<String>> declared = mtypes(Files.readString(MODEL));
        List<String> problems = new ArrayList<>();
        MIRRORED.forEach((name, mirrored) -> {
            List<String> model = declared.get(name);
            if (model == null) {
                problems.add(MODEL + " declares no 'mtype:" + name + " = { ... }' for " + mirrored.type().getName());
                return;
            }
            Set<String> java = new TreeSet<>();
            for (Enum<?> constant : mirrored.type().getEnumConstants()) {
                java.add(mirrored.prefix() + constant.name());
            }
            Set<String> inModel = new TreeSet<>(model);
            Set<String> onlyJava = new TreeSet<>(java);
            onlyJava.removeAll(inModel);
            Set<String> onlyModel = new TreeSet<>(inModel);
            onlyModel.removeAll(java);
            if (!onlyJava.isEmpty()) {
                problems.add(mirrored.type().getName() + " has " + onlyJava + " but mtype:" + name
                        + " in the model does not: add it to the model (and its behaviour), or remove it from the enum");
            }
            if (!onlyModel.isEmpty()) {
                problems.add("mtype:" + name + " in the model has " + onlyModel + " but " + mirrored.type().getName()
                        + " does not: rename or remove it in the model, or add the constant to the enum");
            }
            if (model.size() != inModel.size()) {
                problems.add("mtype:" + name + " lists a constant twice: " + model);
            }
        });
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    @Test
    void parsesNamedMtypeDeclarations() {
        Map<String, List<String>> found = mtypes("""
                /* mtype:Commented = { X } */
                mtype:FenceState = { F_TRIED,
                    F_CONFIRMED, F_CANCELLED };
                mtype : Other={A,B}
                """);
        assertEquals(List.of("F_TRIED", "F_CONFIRMED", "F_CANCELLED"), found.get("FenceState"));
        assertEquals(List.of("A", "B"), found.get("Other"));
        assertFalse(found.containsKey("Commented"), "a declaration inside a comment is not one");
    }

    /** The model's named mtype declarations, comments removed, constants in declaration order. */
    static Map<String, List<String>> mtypes(String promela) {
        String code = promela.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
        Map<String, List<String>> declared = new LinkedHashMap<>();
        Matcher m = MTYPE.matcher(code);
        while (m.find()) {
            List<String> constants = Arrays.stream(m.group(2).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toList();
            if (declared.put(m.group(1), constants) != null) {
                throw new AssertionError("mtype:" + m.group(1) + " is declared twice in the model");
            }
        }
        return declared;
    }
}
