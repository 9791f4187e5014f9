package org.connectome.files;

/**
 * One file a unit wrote, as its completion marker records it.
 *
 * @param path the file, relative to the run folder with {@code /} separators (absolute when it lies
 *     outside the run folder)
 * @param size its size in bytes
 * @param crc32c CRC32C of its content, eight hex digits
 */
public record OutputFile(String path, long size, String crc32c) {}
