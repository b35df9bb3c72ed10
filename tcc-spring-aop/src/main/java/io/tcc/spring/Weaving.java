package io.tcc.spring;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.asm.ClassReader;
import org.springframework.asm.ClassVisitor;
import org.springframework.asm.MethodVisitor;
import org.springframework.asm.SpringAsmInfo;
import org.springframework.asm.Type;

import io.tcc.annotation.GlobalTransaction;
import io.tcc.annotation.Try;

/**
 * Tells from a class's bytecode whether ajc wove {@link TccAspect} into it. A woven method fetches the aspect with
 * {@code TccAspect.aspectOf()} before it runs the advice; javac leaves no such call, and neither does weaving by any
 * other aspect, so only our own aspect's mark counts.
 */
final class Weaving {

    private static final String ASPECT = Type.getInternalName(TccAspect.class);

    private Weaving() {
    }

    /**
     * The methods {@code type} itself declares with {@link Try} or {@link GlobalTransaction} that {@link TccAspect}
     * does not advise: all of them when the class was compiled by javac, or its bytes cannot be read.
     */
    static List<Method> unwovenMethods(Class<?> type) {
        List<Method> annotated = new ArrayList<>();
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Try.class) || m.isAnnotationPresent(GlobalTransaction.class)) {
                annotated.add(m);
            }
        }
        if (annotated.isEmpty()) {
            return annotated;
        }
        Set<String> advising = methodsFetchingTheAspect(type);
        annotated.removeIf(m -> advising.contains(m.getName() + Type.getMethodDescriptor(m))
                // when several aspects advise one method, ajc may move ours into the body it wraps
                || advising.stream().anyMatch(name -> name.startsWith(m.getName() + "_aroundBody")));
        return annotated;
    }

    /** Name and descriptor (or, for ajc's generated bodies, the name) of each method calling {@code TccAspect.aspectOf}. */
    private static Set<String> methodsFetchingTheAspect(Class<?> type) {
        Set<String> found = new HashSet<>();
        byte[] bytes = bytes(type);
        if (bytes == null) {
            return found;
        }
        new ClassReader(bytes).accept(new ClassVisitor(SpringAsmInfo.ASM_VERSION) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(SpringAsmInfo.ASM_VERSION) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
                        if (owner.equals(ASPECT) && method.equals("aspectOf")) {
                            found.add(name.contains("_aroundBody") ? name : name + descriptor);
                        }
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found;
    }

    private static byte[] bytes(Class<?> type) {
        ClassLoader loader = type.getClassLoader() != null ? type.getClassLoader() : ClassLoader.getSystemClassLoader();
        try (InputStream in = loader.getResourceAsStream(type.getName().replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
