package handlers

import (
	"reflect"
	"testing"
)

// TestConfigHoldsOnlySettings: Config is plain values cmd reads from the
// environment; anything the app calls (a client, a logger, a hook) goes
// in Deps.
func TestConfigHoldsOnlySettings(t *testing.T) {
	var walk func(path string, typ reflect.Type)
	walk = func(path string, typ reflect.Type) {
		switch typ.Kind() {
		case reflect.Func, reflect.Interface, reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
			t.Errorf("Config.%s is a %s: a collaborator, which belongs in Deps", path, typ)
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				walk(path+"."+f.Name, f.Type)
			}
		case reflect.Slice, reflect.Array, reflect.Map:
			walk(path+"[]", typ.Elem())
		}
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		walk(typ.Field(i).Name, typ.Field(i).Type)
	}
}
