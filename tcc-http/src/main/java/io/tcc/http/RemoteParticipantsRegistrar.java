package io.tcc.http;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;
import org.springframework.web.service.registry.AbstractHttpServiceRegistrar;
import org.springframework.web.service.registry.HttpServiceGroup;

/**
 * Registers what {@link EnableRemoteParticipants} declares: for each {@link RemoteParticipant} interface, an HTTP
 * service group named after its participant serving {@link BranchExchange}, and a bean of the interface made by
 * {@link RemoteParticipants#client}; and, once, the {@link ParticipantGroupConfigurer} that adds TCC's guards and
 * signing to those groups. A subclass may register groups by other means, through {@link #registerParticipant}.
 */
public class RemoteParticipantsRegistrar extends AbstractHttpServiceRegistrar {

    private static final String CONFIGURER = "tccParticipantGroupConfigurer";

    private Environment environment;
    private ResourceLoader resourceLoader;
    private BeanFactory beanFactory;
    private ClassLoader classLoader;

    @Override
    protected void registerHttpServices(GroupRegistry groups, AnnotationMetadata importing) {
        MergedAnnotation<EnableRemoteParticipants> enable = importing.getAnnotations().get(EnableRemoteParticipants.class);
        Set<String> packages = new LinkedHashSet<>(Set.of(enable.getStringArray("basePackages")));
        for (Class<?> type : enable.getClassArray("basePackageClasses")) {
            packages.add(type.getPackageName());
        }
        Class<?>[] listed = enable.getClassArray("clients");
        if (packages.isEmpty() && listed.length == 0) {
            packages.add(ClassUtils.getPackageName(importing.getClassName()));
        }
        Set<Class<?>> clients = new LinkedHashSet<>(Set.of(listed));
        for (String basePackage : packages) {
            for (BeanDefinition found : scanner().findCandidateComponents(basePackage)) {
                clients.add(ClassUtils.resolveClassName(found.getBeanClassName(), classLoader));
            }
        }
        for (Class<?> api : clients) {
            registerParticipant(groups, RemoteParticipants.name(api));
            registerClient(api);
        }
    }

    /** Declares participant {@code name} as an HTTP service group of that name, with TCC's configurer. */
    protected void registerParticipant(GroupRegistry groups, String name) {
        groups.forGroup(name, HttpServiceGroup.ClientType.REST_CLIENT).register(BranchExchange.class);
        BeanDefinitionRegistry registry = registry();
        if (!registry.containsBeanDefinition(CONFIGURER)) {
            RootBeanDefinition configurer = new RootBeanDefinition(ParticipantGroupConfigurer.class, () ->
                    new ParticipantGroupConfigurer(beanFactory.getBeanProvider(RemoteParticipants.class)));
            registry.registerBeanDefinition(CONFIGURER, configurer);
        }
    }

    private void registerClient(Class<?> api) {
        String beanName = RemoteParticipants.name(api) + "#" + api.getName();
        if (!registry().containsBeanDefinition(beanName)) {
            RootBeanDefinition client = new RootBeanDefinition(api);
            client.setInstanceSupplier(() -> beanFactory.getBean(RemoteParticipants.class).client(api));
            registry().registerBeanDefinition(beanName, client);
        }
    }

    private BeanDefinitionRegistry registry() {
        if (!(beanFactory instanceof BeanDefinitionRegistry registry)) {
            throw new IllegalStateException("@EnableRemoteParticipants needs a bean factory that registers beans, not "
                    + beanFactory.getClass().getName());
        }
        return registry;
    }

    /** Finds interfaces annotated {@link RemoteParticipant}, which the default scanner passes over. */
    private ClassPathScanningCandidateComponentProvider scanner() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false,
                environment) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
                return definition.getMetadata().isInterface() && definition.getMetadata().isIndependent();
            }
        };
        scanner.setResourceLoader(resourceLoader);
        scanner.addIncludeFilter(new AnnotationTypeFilter(RemoteParticipant.class, false, true));
        return scanner;
    }

    /** The environment, for a subclass that finds its participants in settings. */
    protected Environment environment() {
        return environment;
    }

    @Override
    public void setEnvironment(Environment environment) {
        super.setEnvironment(environment);
        this.environment = environment;
    }

    @Override
    public void setResourceLoader(ResourceLoader resourceLoader) {
        super.setResourceLoader(resourceLoader);
        this.resourceLoader = resourceLoader;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        super.setBeanFactory(beanFactory);
        this.beanFactory = beanFactory;
    }

    @Override
    public void setBeanClassLoader(ClassLoader classLoader) {
        super.setBeanClassLoader(classLoader);
        this.classLoader = classLoader;
    }
}
