/* Stand-in for ESP-IDF's esp_heap_caps.h (tests/boards/hostshim). */
#ifndef SHIM_ESP_HEAP_CAPS_H
#define SHIM_ESP_HEAP_CAPS_H
#include <stddef.h>
#include <stdint.h>
#define MALLOC_CAP_8BIT (1 << 2)
size_t heap_caps_get_free_size(uint32_t caps);
#endif
