/* Stand-in for ESP-IDF's esp_err.h (tests/boards/hostshim). */
#ifndef SHIM_ESP_ERR_H
#define SHIM_ESP_ERR_H
typedef int esp_err_t;
#define ESP_OK 0
#endif
