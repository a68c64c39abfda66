// The sample schema `spur init` gives `main` when there is no source:
// customers, orders and payments with realistic personal data (names,
// emails, phones, addresses, birth dates, Luhn-valid card numbers, IPs).
// Deterministic: the same rows on every machine.
#pragma once

#include <string>

namespace spur::engine {

// SQL that creates and fills the tables; run as the owning role.
const std::string& SampleDataSql();

}  // namespace spur::engine
