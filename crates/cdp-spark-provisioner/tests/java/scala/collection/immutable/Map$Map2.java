package scala.collection.immutable;

/**
 * Scala's two-entry immutable map, default-serialized; its fields carry the names scalac gives
 * private fields an inner class (its iterator) reads.
 */
public final class Map$Map2 implements java.io.Serializable {
    private static final long serialVersionUID = 3L;
    public final Object scala$collection$immutable$Map$Map2$$key1;
    public final Object scala$collection$immutable$Map$Map2$$value1;
    public final Object scala$collection$immutable$Map$Map2$$key2;
    public final Object scala$collection$immutable$Map$Map2$$value2;

    public Map$Map2(Object k1, Object v1, Object k2, Object v2) {
        scala$collection$immutable$Map$Map2$$key1 = k1;
        scala$collection$immutable$Map$Map2$$value1 = v1;
        scala$collection$immutable$Map$Map2$$key2 = k2;
        scala$collection$immutable$Map$Map2$$value2 = v2;
    }
}
