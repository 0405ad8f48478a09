package io.genserve.runtime;

/**
 * What ONNX Runtime does with the CPU memory its runs used ({@code genserve.onnx.arena}). Its
 * arena keeps every block it ever allocated for reuse, so after a burst of large or batched
 * inputs the process stays at its peak RSS for good.
 */
public enum MemoryArena {
    /** ORT's default: blocks are kept for the next runs; RSS stays at the largest burst seen. */
    KEEP,
    /** The arena, but free blocks are given back at the end of every run (ORT's arena shrinkage). */
    SHRINK,
    /** No arena: every run allocates and frees through the C allocator. */
    OFF
}
