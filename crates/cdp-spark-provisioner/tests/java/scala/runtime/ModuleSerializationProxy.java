package scala.runtime;

/** Scala 2.13 writes every serializable `object` as this proxy. */
public final class ModuleSerializationProxy implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Class<?> moduleClass;

    public ModuleSerializationProxy(Class<?> moduleClass) { this.moduleClass = moduleClass; }
}
