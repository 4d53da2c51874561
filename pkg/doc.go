// Package pkg holds veille's shared libraries, one package per idea.
package pkg
