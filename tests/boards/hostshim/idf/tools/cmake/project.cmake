# Stand-in for ESP-IDF's project.cmake (tests/boards/hostshim): the real
# one defines idf_component_register() and project(); check_idf_project.cmake
# defines stand-ins for them before it reads the project's CMakeLists.txt.
