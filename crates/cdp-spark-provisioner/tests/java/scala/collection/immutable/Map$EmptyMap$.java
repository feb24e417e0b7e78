package scala.collection.immutable;

/** Stands for the class of Scala's `Map.EmptyMap` object. */
public final class Map$EmptyMap$ {}
