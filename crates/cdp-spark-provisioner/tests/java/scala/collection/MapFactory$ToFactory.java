package scala.collection;

/** `MapFactory.toFactory(Map)`: the factory a Map's proxy names. */
public final class MapFactory$ToFactory implements java.io.Serializable {
    private static final long serialVersionUID = 3L;
    private final Object factory;

    public MapFactory$ToFactory(Object factory) { this.factory = factory; }
}
