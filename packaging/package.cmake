# The Debian packages, built with CPack's DEB generator (docs/deploy.md says
# why): kpi (the command, its data, man page, completions, config, systemd
# units), libkpi0 (the shared library) and libkpi-dev (headers, the .so link,
# pkg-config). `cpack -G DEB` in the build directory (ctest package_deb).
# The files below are installed only into the packages (EXCLUDE_FROM_ALL):
# `cmake --install` of a build never writes /etc or /lib/systemd.

set(KPI_DEB_MAINTAINER_NAME "kpi maintainers" CACHE STRING "Debian package maintainer's name")
set(KPI_DEB_MAINTAINER_EMAIL "kpi-maintainers@example.org" CACHE STRING "Debian package maintainer's address")
set(KPI_DEB_DIR ${CMAKE_CURRENT_LIST_DIR}/debian)
set(KPI_DEB_BUILD ${PROJECT_BINARY_DIR}/packaging)

# the man page and changelog gzipped (-n: reproducible), one changelog and
# copyright per package
configure_file(${KPI_DEB_DIR}/changelog.in ${KPI_DEB_BUILD}/changelog @ONLY)
add_custom_command(OUTPUT ${KPI_DEB_BUILD}/kpi.1.gz ${KPI_DEB_BUILD}/changelog.gz
  COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/docs/kpi.1 > ${KPI_DEB_BUILD}/kpi.1.gz
  COMMAND gzip -9n -c ${KPI_DEB_BUILD}/changelog > ${KPI_DEB_BUILD}/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/docs/kpi.1 ${KPI_DEB_BUILD}/changelog
  VERBATIM)
add_custom_target(kpi_deb_files ALL DEPENDS ${KPI_DEB_BUILD}/kpi.1.gz ${KPI_DEB_BUILD}/changelog.gz)

install(FILES ${KPI_DEB_BUILD}/kpi.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT kpi EXCLUDE_FROM_ALL)
foreach(pkg kpi libkpi0 libkpi-dev)
  install(FILES ${KPI_DEB_DIR}/copyright ${KPI_DEB_BUILD}/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${pkg} EXCLUDE_FROM_ALL)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/deploy.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/kpi COMPONENT kpi EXCLUDE_FROM_ALL)
install(FILES ${KPI_DEB_DIR}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
  RENAME kpi COMPONENT kpi EXCLUDE_FROM_ALL)
install(FILES ${KPI_DEB_DIR}/config.json DESTINATION /etc/kpi COMPONENT kpi EXCLUDE_FROM_ALL)
install(FILES ${KPI_DEB_DIR}/default DESTINATION /etc/default RENAME kpi
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT kpi EXCLUDE_FROM_ALL)
file(GLOB KPI_UNITS ${CMAKE_CURRENT_LIST_DIR}/systemd/kpi-*.service ${CMAKE_CURRENT_LIST_DIR}/systemd/kpi-*.timer)
install(FILES ${KPI_UNITS} DESTINATION /lib/systemd/system COMPONENT kpi EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kpi)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${KPI_DEB_MAINTAINER_NAME} <${KPI_DEB_MAINTAINER_EMAIL}>")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL kpi libkpi0 libkpi-dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_KPI_PACKAGE_NAME kpi)
set(CPACK_DEBIAN_KPI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_KPI_PACKAGE_DEPENDS "adduser, fonts-dejavu-core, tzdata")
set(CPACK_DEBIAN_KPI_PACKAGE_CONTROL_EXTRA
  ${KPI_DEB_DIR}/conffiles ${KPI_DEB_DIR}/postinst ${KPI_DEB_DIR}/prerm ${KPI_DEB_DIR}/postrm)
set(CPACK_DEBIAN_KPI_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_KPI_DESCRIPTION "rollout KPIs, weekly go/no-go pack and alerts
kpi computes the owned/legacy export rollout's KPIs from PostgreSQL, AWS
CloudWatch and Prometheus, writes the weekly go/no-go pack (PDF, XLSX,
charts), delivers alerts and publishes metrics. systemd timers run
kpi alert every 5 minutes, kpi pack every Monday and kpi publish hourly
as the kpi system user (/usr/share/doc/kpi/deploy.md).")
set(CPACK_DEBIAN_LIBKPI0_PACKAGE_NAME libkpi0)
set(CPACK_DEBIAN_LIBKPI0_PACKAGE_SECTION libs)
# shlibs (programs built on libkpi depend on this exact version: no stable
# ABI yet) and the ldconfig trigger, instead of CPack's ldconfig scripts
configure_file(${KPI_DEB_DIR}/shlibs.in ${KPI_DEB_BUILD}/libkpi0/shlibs @ONLY)
set(CPACK_DEBIAN_LIBKPI0_PACKAGE_CONTROL_EXTRA ${KPI_DEB_BUILD}/libkpi0/shlibs ${KPI_DEB_DIR}/triggers)
set(CPACK_DEBIAN_LIBKPI0_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_COMPONENT_LIBKPI0_DESCRIPTION "kpi's library: rollout KPIs, verdicts, outputs
libkpi computes the rollout KPIs, their statuses and verdicts, the go/no-go
pack and alerts; the kpi command is built on it.")
set(CPACK_DEBIAN_LIBKPI-DEV_PACKAGE_NAME libkpi-dev)
set(CPACK_DEBIAN_LIBKPI-DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_LIBKPI-DEV_DEPENDS libkpi0)
# what libkpi.pc's Requires and Requires.private name (pkg-config wants them all)
set(CPACK_DEBIAN_LIBKPI-DEV_PACKAGE_DEPENDS "libjansson-dev, libpq-dev, libssl-dev, libcurl4-openssl-dev | libcurl-dev, libxlsxwriter-dev, libcairo2-dev, libpango1.0-dev, libfontconfig-dev, libpng-dev, libglib2.0-dev")
set(CPACK_COMPONENT_LIBKPI-DEV_DESCRIPTION "kpi's library: development files
Headers, the shared library link and the pkg-config file (libkpi.pc) of
libkpi, to build programs on it.")
include(CPack)
