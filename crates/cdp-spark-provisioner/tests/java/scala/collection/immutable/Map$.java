package scala.collection.immutable;

/** Stands for the class of Scala's `Map` companion. */
public final class Map$ {}
