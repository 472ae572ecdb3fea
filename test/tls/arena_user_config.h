/*
 * Turns on, over Debian's mbedTLS configuration, what a board's mbedTLS
 * configuration would enable to run mbedTLS from a caller's arena. Used
 * only to compile the port's arena branch (tls_arena_compile_check).
 */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG
