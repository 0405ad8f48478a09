package io.genserve.edge;

import io.genserve.batching.MemoryBudget;

/**
 * A request body read whole into the heap before the request goes on to Spring MVC, with the
 * memory-budget reservation that accounts for it until the answer is complete.
 */
record BufferedBody(byte[] bytes, int length, MemoryBudget.Reservation reservation) {}
