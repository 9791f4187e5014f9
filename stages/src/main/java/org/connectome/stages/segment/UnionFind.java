package org.connectome.stages.segment;

import java.util.Arrays;

/** Disjoint sets over {@code 0 .. n-1} with path halving and union by size. */
public final class UnionFind {
  private int[] parent;
  private int[] size;
  private int count;

  public UnionFind(int n) {
    parent = new int[Math.max(n, 16)];
    size = new int[parent.length];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
      size[i] = 1;
    }
    count = n;
  }

  /** Adds an element and returns its index. */
  public int add() {
    if (count == parent.length) {
      int old = parent.length;
      parent = Arrays.copyOf(parent, old * 2);
      size = Arrays.copyOf(size, old * 2);
      for (int i = old; i < parent.length; i++) {
        parent[i] = i;
        size[i] = 1;
      }
    }
    return count++;
  }

  public int count() {
    return count;
  }

  public int find(int a) {
    while (parent[a] != a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  }

  /** Joins the sets of {@code a} and {@code b}; returns whether they were apart. */
  public boolean union(int a, int b) {
    int ra = find(a);
    int rb = find(b);
    if (ra == rb) {
      return false;
    }
    if (size[ra] < size[rb]) {
      int t = ra;
      ra = rb;
      rb = t;
    }
    parent[rb] = ra;
    size[ra] += size[rb];
    return true;
  }

  /**
   * Joins the set whose root is {@code gone} into the set whose root is {@code keep}, which stays
   * the root (region graphs keyed by root need that).
   */
  public void unionInto(int gone, int keep) {
    if (parent[gone] != gone || parent[keep] != keep) {
      throw new IllegalArgumentException(gone + " and " + keep + " must both be roots");
    }
    if (gone != keep) {
      parent[gone] = keep;
      size[keep] += size[gone];
    }
  }
}
