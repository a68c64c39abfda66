// Object keys: one string per catalog object, "<kind> <name>", unique within a
// database and equal for the same object in two databases. They name objects in
// Dependency, in Statement::object and in Change (kind and name split apart).
//
//   schema s | extension e | type s.t | sequence s.q | function s.f(integer)
//   procedure s.p(text) | table s.t | view s.v | materialized view s.m
//   column s.t.c | default s.t.c | index s.i | constraint c on s.t
//   trigger g on s.t | policy p on s.t | default privileges for role r [in schema s] on tables
//
// Names are quoted as quote_ident() does (sql_text.h).
#pragma once

#include <string>

#include "diff/schema/catalog.h"

namespace spur::diff::schema {

std::string KeyOf(const Extension& e);
std::string KeyOf(const Schema& s);
std::string KeyOf(const Type& t);
std::string KeyOf(const Sequence& s);
std::string KeyOf(const Function& f);
std::string KeyOf(const Table& t);
std::string KeyOf(const View& v);
std::string KeyOf(const Index& i);
std::string KeyOf(const Constraint& c);
std::string KeyOf(const Trigger& t);
std::string KeyOf(const Policy& p);
std::string KeyOf(const DefaultPrivilege& d);

std::string SchemaKey(const std::string& schema);
std::string TableKey(const std::string& schema, const std::string& table);
std::string ColumnKey(const std::string& schema, const std::string& table,
                      const std::string& column);
std::string DefaultKey(const std::string& schema, const std::string& table,
                       const std::string& column);

// "tables", "sequences", "functions", "types", "schemas" for a DefaultPrivilege
// object_type ('r', 'S', 'f', 'T', 'n').
std::string DefaultPrivilegeObjects(char object_type);

}  // namespace spur::diff::schema
