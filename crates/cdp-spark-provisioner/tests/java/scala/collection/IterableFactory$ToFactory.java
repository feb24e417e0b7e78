package scala.collection;

/** `IterableFactory.toFactory(List)`: the factory a List's proxy names. */
public final class IterableFactory$ToFactory implements java.io.Serializable {
    private static final long serialVersionUID = 3L;
    private final Object factory;

    public IterableFactory$ToFactory(Object factory) { this.factory = factory; }
}
